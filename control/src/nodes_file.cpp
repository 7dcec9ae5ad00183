// Real hosts: --nodes lists and nodes files into NodeAddress, and the Cluster built from them.
#include <algorithm>
#include <cstdio>
#include <fstream>

#include "faultline/control/cluster.h"
#include "faultline/core/error.h"

namespace faultline::control {
namespace {

// "host", "host:port", "[v6]:port", "[v6]", or a bare IPv6 address (two or more ':').
// Returns an error message, empty on success.
std::string parse_host_port(std::string_view s, int default_port, std::string& host, int& port) {
  port = default_port;
  if (s.empty()) return "empty host";
  if (s.front() == '[') {
    size_t close = s.find(']');
    if (close == std::string_view::npos) return "missing ']' in '" + std::string(s) + "'";
    host = std::string(s.substr(1, close - 1));
    std::string_view rest = s.substr(close + 1);
    if (rest.empty()) return host.empty() ? "empty host" : "";
    if (rest.front() != ':') return "unexpected text after ']' in '" + std::string(s) + "'";
    s = rest;  // ":port"
  } else if (std::count(s.begin(), s.end(), ':') >= 2) {
    host = std::string(s);  // bare IPv6
    return "";
  } else {
    size_t colon = s.find(':');
    host = std::string(s.substr(0, colon));
    if (host.empty()) return "empty host in '" + std::string(s) + "'";
    if (colon == std::string_view::npos) return "";
    s = s.substr(colon);
  }
  std::string digits(s.substr(1));
  if (digits.empty() || digits.size() > 5 || !std::all_of(digits.begin(), digits.end(), ::isdigit)) {
    return "bad port '" + digits + "'";
  }
  port = std::stoi(digits);
  if (port < 1 || port > 65535) return "port " + digits + " out of range";
  return "";
}

void check_unique(const std::vector<NodeAddress>& nodes, const NodeAddress& n, const std::string& where) {
  for (const auto& m : nodes) {
    if (m.name == n.name) throw ClusterError(where + "node '" + n.name + "' listed twice");
  }
}

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

std::vector<NodeAddress> parse_nodes_list(std::string_view list, int default_port) {
  std::vector<NodeAddress> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    std::string_view item = list.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) {
      NodeAddress n;
      std::string err = parse_host_port(item, default_port, n.host, n.port);
      if (!err.empty()) throw ClusterError("--nodes: " + err);
      n.name = n.host;
      check_unique(out, n, "--nodes: ");
      out.push_back(n);
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (out.empty()) throw ClusterError("--nodes: no nodes given");
  return out;
}

std::vector<NodeAddress> parse_nodes_file(const std::string& path, int default_port) {
  std::ifstream in(path);
  if (!in) throw ClusterError("cannot read nodes file " + path);
  std::vector<NodeAddress> out;
  std::string line;
  int64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (size_t hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    // Split into whitespace-separated words, remembering each word's column.
    std::vector<std::pair<std::string, int64_t>> words;
    for (size_t i = 0; i < line.size();) {
      if (std::isspace(static_cast<unsigned char>(line[i]))) {
        ++i;
        continue;
      }
      size_t j = i;
      while (j < line.size() && !std::isspace(static_cast<unsigned char>(line[j]))) ++j;
      words.emplace_back(line.substr(i, j - i), static_cast<int64_t>(i) + 1);
      i = j;
    }
    if (words.empty()) continue;
    if (words.size() > 2) {
      throw ParseError({path, line_no, words[2].second}, "expected '[name] host[:port]', found a third word");
    }
    const auto& [addr, col] = words.back();
    NodeAddress n;
    std::string err = parse_host_port(addr, default_port, n.host, n.port);
    if (!err.empty()) throw ParseError({path, line_no, col}, err);
    n.name = words.size() == 2 ? words[0].first : n.host;
    for (const auto& m : out) {
      if (m.name == n.name) {
        throw ParseError({path, line_no, words[0].second}, "node '" + n.name + "' listed twice");
      }
    }
    out.push_back(n);
  }
  if (out.empty()) throw ClusterError("nodes file " + path + " lists no nodes");
  return out;
}

Cluster open_hosts_cluster(const HostsOptions& opts) {
  if (!opts.nodes.empty() && !opts.nodes_file.empty()) {
    throw ClusterError("give either --nodes or --nodes-file, not both");
  }
  if (opts.nodes.empty() && opts.nodes_file.empty()) throw ClusterError("no nodes: give --nodes or --nodes-file");
  std::vector<NodeAddress> nodes = opts.nodes_file.empty() ? parse_nodes_list(opts.nodes, opts.ssh_port)
                                                           : parse_nodes_file(opts.nodes_file, opts.ssh_port);
  std::string state_dir = opts.state_dir;
  if (state_dir.empty()) {
    std::vector<std::string> keys;
    for (const auto& n : nodes) keys.push_back(n.host + ":" + std::to_string(n.port));
    std::sort(keys.begin(), keys.end());
    std::string joined;
    for (const auto& k : keys) joined += k + ",";
    char id[17];
    std::snprintf(id, sizeof id, "%016llx", static_cast<unsigned long long>(fnv1a(joined)));
    state_dir = faultline_data_dir() + "/hosts/" + id;
  }
  SshSettings ssh;
  ssh.user = opts.ssh_user;
  ssh.private_key_path = opts.ssh_key;
  ssh.known_hosts_path = opts.known_hosts;
  ssh.strict_host_key_checking = opts.strict_host_key_checking;
  return Cluster("hosts", state_dir, std::move(nodes), ssh);
}

}  // namespace faultline::control
