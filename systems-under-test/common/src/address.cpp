#include "faultline/sut/address.h"

#include <charconv>

#include "faultline/sut/error.h"

namespace faultline::sut {

Endpoint parse_endpoint(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    throw SutError("bad address \"" + text + "\": expected host:port");
  Endpoint e;
  e.host = text.substr(0, colon);
  unsigned port = 0;
  const char* first = text.data() + colon + 1;
  const char* last = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(first, last, port);
  if (ec != std::errc() || ptr != last || port == 0 || port > 65535)
    throw SutError("bad port in address \"" + text + "\": expected 1..65535");
  e.port = static_cast<uint16_t>(port);
  return e;
}

PeerMap parse_peers(const std::string& text) {
  PeerMap peers;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos
                                                                     : comma - start);
    if (!item.empty()) {
      auto eq = item.find('=');
      if (eq == std::string::npos || eq == 0)
        throw SutError("bad peer \"" + item + "\": expected id=host:port");
      std::string id = item.substr(0, eq);
      if (peers.count(id)) throw SutError("duplicate peer id \"" + id + "\"");
      peers[id] = parse_endpoint(item.substr(eq + 1));
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return peers;
}

}  // namespace faultline::sut
