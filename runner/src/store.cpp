#include "faultline/runner/store.h"

#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace faultline::runner {
namespace fs = std::filesystem;

std::string safe_test_name(const std::string& name) {
  std::string out;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.' || c == '+' || c == '=';
    out += ok ? c : '_';
  }
  if (out.empty() || out == "." || out == ".." || out == "latest") out = "_" + out;
  return out;
}

std::string create_run_dir(const std::string& root, const std::string& test_name, int64_t now_s) {
  const fs::path test_dir = fs::path(root) / safe_test_name(test_name);
  std::error_code ec;
  fs::create_directories(test_dir, ec);
  if (ec) throw std::runtime_error("cannot create store dir " + test_dir.string() + ": " + ec.message());
  std::time_t t = static_cast<std::time_t>(now_s);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%S", &tm);
  for (int i = 1; i < 1000; ++i) {
    fs::path p = test_dir / (i == 1 ? std::string(buf) : std::string(buf) + "-" + std::to_string(i));
    if (fs::create_directory(p, ec)) {
      fs::create_directories(p / "nodes", ec);
      return p.string();
    }
    if (ec) throw std::runtime_error("cannot create run dir " + p.string() + ": " + ec.message());
  }
  throw std::runtime_error("too many runs of " + test_name + " in one second under " + root);
}

namespace {
void replace_symlink(const fs::path& link, const fs::path& target) {
  fs::path tmp = link;
  tmp += ".tmp-" + std::to_string(::getpid());
  std::error_code ec;
  fs::remove(tmp, ec);
  fs::create_directory_symlink(target, tmp, ec);
  if (ec) throw std::runtime_error("cannot create link " + tmp.string() + ": " + ec.message());
  fs::rename(tmp, link, ec);  // atomic replace of the old link
  if (ec) {
    fs::remove(tmp);
    throw std::runtime_error("cannot replace link " + link.string() + ": " + ec.message());
  }
}
}  // namespace

void update_latest_links(const std::string& root, const std::string& test_name,
                         const std::string& run_dir) {
  const std::string t = safe_test_name(test_name);
  const std::string leaf = fs::path(run_dir).filename().string();
  replace_symlink(fs::path(root) / t / "latest", leaf);
  replace_symlink(fs::path(root) / "latest", fs::path(t) / leaf);
}

std::string resolve_run_dir(const std::string& path) {
  fs::path p(path);
  std::error_code ec;
  if (fs::exists(p / "test.json", ec)) return p.string();
  if (fs::exists(p / "latest" / "test.json", ec)) return (p / "latest").string();
  throw std::runtime_error(path + " is not a stored run (no test.json in it or in " + path +
                           "/latest)");
}

void write_json_file(const std::string& path, const Json& j) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + tmp);
    out << j.dump(2) << "\n";
    if (!out) throw std::runtime_error("write failed: " + tmp);
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw std::runtime_error("cannot rename " + tmp + " to " + path + ": " + ec.message());
}

Json read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  try {
    return Json::parse(in);
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

}  // namespace faultline::runner
