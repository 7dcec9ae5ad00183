// Loopback test of the Asio line server, peer links and the blocking client (127.0.0.1 only).
#include <catch2/catch.hpp>

#include <future>
#include <thread>

#include "faultline/sut/event_loop.h"
#include "faultline/sut/line_client.h"
#include "faultline/sut/protocol.h"

using namespace faultline::sut;
using namespace std::chrono_literals;

TEST_CASE("line server echoes lines; peer links deliver to another server") {
  EventLoop loop;
  std::vector<std::string> peer_lines;
  LineServer* server_ptr = nullptr;
  LineServer peer_sink(loop, {"127.0.0.1", 0}, [&](ConnId, std::string&& line) {
    peer_lines.push_back(line);
  });
  PeerLinks links(loop, {{"p", {"127.0.0.1", peer_sink.port()}}});
  LineServer server(loop, {"127.0.0.1", 0}, [&](ConnId c, std::string&& line) {
    auto req = Json::parse(line);
    links.send("p", Json{{"rpc", "seen"}, {"id", req["id"]}}.dump());
    server_ptr->send(c, make_ok_reply(req["id"], req["value"]).dump());
  });
  server_ptr = &server;
  uint16_t port = server.port();
  std::thread t([&] { loop.run(); });

  LineClient client;
  client.connect({"127.0.0.1", port}, 2000ms);
  for (int i = 0; i < 50; ++i) {
    auto reply = client.request({{"id", i}, {"op", "write"}, {"key", "k"}, {"value", i * 2}}, 2000ms);
    REQUIRE(reply["ok"] == true);
    REQUIRE(reply["value"] == i * 2);
  }
  // Peer delivery is asynchronous; wait (bounded) for all 50.
  for (int i = 0; i < 200; ++i) {
    std::atomic<std::size_t> n{0};
    std::promise<void> done;
    loop.post([&] { n = peer_lines.size(); done.set_value(); });
    done.get_future().wait();
    if (n == 50) break;
    std::this_thread::sleep_for(10ms);
  }
  loop.post([&] { loop.stop(); });
  t.join();
  CHECK(peer_lines.size() == 50);
  CHECK(Json::parse(peer_lines.front())["rpc"] == "seen");

  LineClient refused;
  CHECK_THROWS_AS(refused.connect({"127.0.0.1", 1}, 500ms), ClientIoError);
}
