// Request routing of `faultline serve`: path checks, files, directory listings (see serve.h).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "faultline/reports/escape.h"
#include "faultline/reports/serve.h"
#include "sections.h"

namespace faultline::reports {

namespace fs = std::filesystem;

namespace {

HttpReply error(int status, const std::string& why) {
  HttpReply r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::to_string(status) + " " + why + "\n";
  return r;
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string content_type(const fs::path& p) {
  const std::string e = p.extension().string();
  if (e == ".html") return "text/html; charset=utf-8";
  if (e == ".svg") return "image/svg+xml";
  if (e == ".json") return "application/json";
  return "text/plain; charset=utf-8";
}

bool inside(const fs::path& root, const fs::path& p) {
  auto r = root.begin(), q = p.begin();
  for (; r != root.end(); ++r, ++q)
    if (q == p.end() || *r != *q) return false;
  return true;
}

HttpReply listing(const fs::path& dir, const std::string& rel) {
  HttpReply r;
  r.body = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + html_escape(rel) +
           "</title></head><body><h1>" + html_escape(rel) + "</h1><p><a href=\"/\">all runs</a></p><ul>";
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string() + (e.is_directory() ? "/" : ""));
  std::sort(names.begin(), names.end());
  for (const auto& n : names) r.body += "<li><a href=\"" + html_escape(detail::url_path(n)) + "\">" + html_escape(n) + "</a></li>";
  r.body += "</ul></body></html>\n";
  return r;
}

}  // namespace

HttpReply handle_request(const std::string& store, const std::string& target) {
  std::string path = target.substr(0, target.find_first_of("?#"));
  if (path.empty() || path[0] != '/') return error(400, "bad request target");
  std::string decoded;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '%') {
      decoded += path[i];
      continue;
    }
    if (i + 2 >= path.size() || hex(path[i + 1]) < 0 || hex(path[i + 2]) < 0) return error(400, "bad percent escape");
    decoded += static_cast<char>(hex(path[i + 1]) * 16 + hex(path[i + 2]));
    i += 2;
  }
  if (decoded.find('\0') != std::string::npos || decoded.find('\\') != std::string::npos)
    return error(400, "bad character in path");
  std::vector<std::string> segs;
  std::stringstream ss(decoded);
  for (std::string s; std::getline(ss, s, '/');) {
    if (s == "." || s == "..") return error(400, "path segments '.' and '..' are refused");
    if (!s.empty()) segs.push_back(s);
  }
  if (segs.empty()) {
    HttpReply r;
    r.body = store_index_html(store);
    return r;
  }
  std::error_code ec;
  const fs::path root = fs::canonical(store, ec);
  if (ec) return error(404, "no store at " + store);
  fs::path p = root;
  for (const auto& s : segs) p /= s;
  const fs::path real = fs::canonical(p, ec);
  if (ec) return error(404, "not found");
  if (!inside(root, real)) return error(403, "outside the store");
  if (fs::is_directory(real)) {
    if (!decoded.empty() && decoded.back() != '/') {
      HttpReply r = error(301, "moved");
      r.location = detail::url_path(decoded) + "/";
      return r;
    }
    return listing(real, decoded);
  }
  std::ifstream in(real, std::ios::binary);
  if (!in) return error(403, "cannot read");
  HttpReply r;
  r.content_type = content_type(real);
  std::ostringstream body;
  body << in.rdbuf();
  r.body = body.str();
  return r;
}

}  // namespace faultline::reports
