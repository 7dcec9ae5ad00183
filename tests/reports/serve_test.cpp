// `faultline serve`: the index lists runs (newest first, verdicts, live progress), files are
// served, paths outside the store are refused, and the server binds to loopback by default.
#include <catch2/catch.hpp>

#include <utility>  // before Boost.Asio: its awaitable.hpp uses std::exchange

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <filesystem>
#include <fstream>
#include <thread>

#include <unistd.h>

#include "faultline/reports/serve.h"

using namespace faultline::reports;
namespace fs = std::filesystem;

namespace {

struct TempStore {
  fs::path root = fs::temp_directory_path() / ("fl-serve-test-" + std::to_string(::getpid()));
  TempStore() {
    fs::remove_all(root);
    run("raft-register", "20260101T000000", R"({"valid": true})");
    run("raft-register", "20260102T000000", R"({"valid": false})");
    run("paxos-<b>set", "20260103T000000", "");  // no results.json: still running
    std::ofstream(root / "raft-register" / "20260102T000000" / "report.html") << "<html>report</html>";
    fs::create_directories(root.parent_path() / ("fl-serve-secret-" + std::to_string(::getpid())));
    std::ofstream(root.parent_path() / ("fl-serve-secret-" + std::to_string(::getpid())) / "secret.txt") << "secret";
    fs::create_directory_symlink(root.parent_path() / ("fl-serve-secret-" + std::to_string(::getpid())), root / "escape");
    fs::create_directory_symlink("20260102T000000", root / "raft-register" / "latest");
  }
  ~TempStore() {
    fs::remove_all(root);
    fs::remove_all(root.parent_path() / ("fl-serve-secret-" + std::to_string(::getpid())));
  }
  void run(const std::string& test, const std::string& id, const std::string& results) {
    const fs::path d = root / test / id;
    fs::create_directories(d / "nodes" / "n1");
    std::ofstream(d / "test.json") << R"({"name":")" << test << R"(","system":"raft","workload":"register","nemesis":["partition"],"time_limit_s":60})";
    std::ofstream(d / "history.jsonl") << "{}\n{}\n{}\n";
    std::ofstream(d / "nodes" / "n1" / "raftd.log") << "<script>alert(1)</script>\n";
    if (!results.empty()) std::ofstream(d / "results.json") << results;
  }
};

namespace http = boost::beast::http;

// A raw GET (the target is sent exactly as given, no client-side normalisation).
std::pair<int, std::string> get(uint16_t port, const std::string& target) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket s(io);
  s.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "localhost");
  http::write(s, req);
  boost::beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(s, buf, res);
  return {res.result_int(), res.body()};
}

}  // namespace

TEST_CASE("store index: runs newest first, verdicts, running runs", "[reports][serve]") {
  TempStore st;
  const auto runs = list_runs(st.root.string());
  REQUIRE(runs.size() == 3);
  CHECK(runs[0]["run"] == "20260103T000000");
  CHECK(runs[0]["verdict"] == "running");
  CHECK(runs[0]["ops"] == 3);
  CHECK(runs[1]["verdict"] == "invalid");
  CHECK(runs[1]["has_report"] == true);
  CHECK(runs[2]["verdict"] == "valid");
  const std::string html = store_index_html(st.root.string());
  CHECK(html.find("paxos-&lt;b&gt;set") != std::string::npos);
  CHECK(html.find("<b>set") == std::string::npos);
  CHECK(html.find("http-equiv=\"refresh\"") != std::string::npos);  // a run is in progress
  CHECK(html.find("href=\"/raft-register/20260102T000000/report.html\"") != std::string::npos);
}

TEST_CASE("request paths: files served, outside the store refused", "[reports][serve]") {
  TempStore st;
  const std::string s = st.root.string();
  CHECK(handle_request(s, "/").status == 200);
  const auto rep = handle_request(s, "/raft-register/20260102T000000/report.html");
  CHECK(rep.status == 200);
  CHECK(rep.body == "<html>report</html>");
  CHECK(rep.content_type.find("text/html") == 0);
  const auto log = handle_request(s, "/raft-register/20260102T000000/nodes/n1/raftd.log");
  CHECK(log.status == 200);
  CHECK(log.content_type.find("text/plain") == 0);  // never rendered as a page
  CHECK(handle_request(s, "/raft-register/latest/report.html").status == 200);  // symlink inside
  CHECK(handle_request(s, "/../etc/passwd").status == 400);
  CHECK(handle_request(s, "/raft-register/../../etc/passwd").status == 400);
  CHECK(handle_request(s, "/%2e%2e/%2e%2e/etc/passwd").status == 400);
  CHECK(handle_request(s, "/raft-register/%2E%2E%2Fsecret").status == 400);
  CHECK(handle_request(s, "/a%zz").status == 400);
  CHECK(handle_request(s, "/a%00b").status == 400);
  CHECK(handle_request(s, "/escape/secret.txt").status == 403);  // a symlink leading out
  CHECK(handle_request(s, "/nope/nothing").status == 404);
  CHECK(handle_request(s, "/raft-register/20260102T000000").status == 301);
  const auto dir = handle_request(s, "/raft-register/20260102T000000/");
  CHECK(dir.status == 200);
  CHECK(dir.body.find("report.html") != std::string::npos);
}

TEST_CASE("the server binds to loopback by default and refuses '..'", "[reports][serve]") {
  TempStore st;
  ServeOptions o;
  CHECK(o.bind == "127.0.0.1");
  o.store = st.root.string();
  o.port = 0;
  Server server(o);
  REQUIRE(server.port() != 0);
  std::atomic<bool> stop{false};
  std::thread t([&] { server.run(&stop); });
  const auto index = get(server.port(), "/");
  CHECK(index.first == 200);
  CHECK(index.second.find("20260101T000000") != std::string::npos);
  CHECK(get(server.port(), "/raft-register/../../etc/passwd").first == 400);
  CHECK(get(server.port(), "/escape/secret.txt").first == 403);
  CHECK(get(server.port(), "/raft-register/20260102T000000/report.html").second == "<html>report</html>");
  CHECK(boost::asio::ip::make_address(server.address()).is_loopback());
  stop = true;
  t.join();
  CHECK_THROWS(Server(ServeOptions{o.store, "not-an-address", 0}));
}
