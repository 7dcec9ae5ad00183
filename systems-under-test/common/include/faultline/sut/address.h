// Addresses and peer lists as given on daemon command lines.
//   "host:port"                     -> Endpoint
//   "n1=127.0.0.1:7001,n2=..."      -> PeerMap (node id -> Endpoint)
// Parse errors throw SutError naming the offending text.
#pragma once
#include <cstdint>
#include <map>
#include <string>

namespace faultline::sut {

struct Endpoint {
  std::string host;
  uint16_t port = 0;
  std::string to_string() const { return host + ":" + std::to_string(port); }
};

using PeerMap = std::map<std::string, Endpoint>;

Endpoint parse_endpoint(const std::string& text);
PeerMap parse_peers(const std::string& text);

}  // namespace faultline::sut
