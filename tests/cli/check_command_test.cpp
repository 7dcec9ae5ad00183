// `faultline check` end to end: the built binary on every corpus row (exit 0 valid / 1 invalid),
// default model choice, --json, --list-models, --consistency, --time-limit, and the 254 cases
// (unknown model, unreadable file, parse error with file:line:col, missing --model).
#include <catch2/catch.hpp>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_util/temp_dir.h"

namespace {

const std::string kBinary = std::string(FAULTLINE_BINARY_DIR) + "/cli/faultline";
const std::string kCorpus = FAULTLINE_CORPUS_DIR;

struct Run {
  int exit_code = -1;
  std::string out;   // stdout and stderr together
};

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') q += "'\\''"; else q += c;
  }
  return q + "'";
}

Run run(const std::vector<std::string>& args, bool merge_stderr = true) {
  std::string cmd = quote(kBinary);
  for (const auto& a : args) cmd += " " + quote(a);
  cmd += merge_stderr ? " 2>&1" : " 2>/dev/null";
  Run r;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// A file holding `text` in this executable's scratch directory (removed when the process exits,
// whatever the test cases did).
std::string temp_file(const std::string& name, const std::string& text) {
  static const faultline::test::TempDir dir("faultline-cli-test");
  const std::string path = dir.file(name);
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("check: every corpus row through the binary") {
  std::ifstream in(kCorpus + "/verdicts.tsv");
  REQUIRE(in.good());
  std::string line;
  int rows = 0;
  while (std::getline(in, line)) {
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string col;
    while (std::getline(ss, col, '\t')) cols.push_back(col);
    if (cols.size() < 3 || cols[0] == "file") continue;
    std::string model = cols[1] == "kv-append (per key)" ? "kv" : cols[1];
    if (model != "cas-register" && model != "multi-register" && model != "mutex" && model != "kv") {
      continue;
    }
    const Run r = run({"check", "--model", model, kCorpus + "/" + cols[0]});
    INFO(cols[0] << " expected " << cols[2] << "\n" << r.out);
    CHECK(r.exit_code == (cols[2] == "linearizable" ? 0 : 1));
    ++rows;
  }
  CHECK(rows == 140);
}

TEST_CASE("check: default model and one line per file") {
  // etcd console logs mean cas-register; ops with keys mean kv.
  const Run r = run({"check", kCorpus + "/porcupine/etcd/etcd_002.log",
                     kCorpus + "/porcupine/kv/c01-ok.txt"});
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("etcd_002.log: valid  model=cas-register") != std::string::npos);
  CHECK(r.out.find("c01-ok.txt: valid  model=kv") != std::string::npos);
  CHECK(r.out.find("parse=") != std::string::npos);
  CHECK(r.out.find("check=") != std::string::npos);
  // One invalid file makes the exit code 1.
  const Run bad = run({"check", kCorpus + "/porcupine/etcd/etcd_002.log",
                       kCorpus + "/porcupine/etcd/etcd_000.log"});
  CHECK(bad.exit_code == 1);
  CHECK(bad.out.find("etcd_000.log: invalid") != std::string::npos);
  // A Knossos EDN history carries no keys: the CLI asks for --model.
  const Run ask = run({"check", kCorpus + "/knossos/cas-register/bad/cas-failure.edn"});
  CHECK(ask.exit_code == 254);
  CHECK(ask.out.find("--model") != std::string::npos);
}

TEST_CASE("check: --json prints the full result") {
  const Run r = run({"check", "--json", kCorpus + "/porcupine/etcd/etcd_000.log"}, false);
  REQUIRE(r.exit_code == 1);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j["valid"] == false);
  CHECK(j["model"] == "cas-register");
  CHECK(j["format"] == "jepsen-log");
  CHECK(j["witness"].contains("prefixes"));
  CHECK(j["anomalies"].size() == 1);
  CHECK(j.contains("parse_ms"));
  CHECK(j.contains("check_ms"));
  const Run ok = run({"check", "--json", kCorpus + "/porcupine/etcd/etcd_002.log"}, false);
  REQUIRE(ok.exit_code == 0);
  CHECK(nlohmann::json::parse(ok.out)["witness"]["partitions"][0]["order"].size() > 10);
}

TEST_CASE("check: --list-models and --help") {
  const Run r = run({"check", "--list-models"});
  CHECK(r.exit_code == 0);
  for (const char* m : {"register", "cas-register", "multi-register", "kv", "counter", "set",
                        "fifo-queue", "unordered-queue", "mutex"}) {
    CHECK(r.out.find(std::string(m) + " ") != std::string::npos);
  }
  const Run h = run({"check", "--help"});
  CHECK(h.exit_code == 0);
  CHECK(h.out.find("--consistency") != std::string::npos);
}

TEST_CASE("check: bad arguments exit 254 with a clear message") {
  const std::string etcd = kCorpus + "/porcupine/etcd/etcd_002.log";
  Run r = run({"check", "--model", "no-such-model", etcd});
  CHECK(r.exit_code == 254);
  CHECK(r.out.find("unknown model 'no-such-model'") != std::string::npos);
  r = run({"check", "--model", "register", "/nonexistent/history.jsonl"});
  CHECK(r.exit_code == 254);
  CHECK(r.out.find("/nonexistent/history.jsonl") != std::string::npos);
  const std::string broken = temp_file("broken.jsonl",
      "{\"process\":0,\"type\":\"invoke\",\"f\":\"read\",\"value\":null}\n{\"process\":0,\"type\":\n");
  r = run({"check", "--model", "register", "--format", "jsonl", broken});
  CHECK(r.exit_code == 254);
  CHECK(r.out.find(broken + ":2:") != std::string::npos);
  r = run({"check", "--model", "register"});
  CHECK(r.exit_code == 254);
  r = run({"check", "--consistency", "strict", etcd});
  CHECK(r.exit_code == 254);
  // Ops the model does not understand are a bad argument too (wrong model for the file).
  r = run({"check", "--model", "multi-register", etcd});
  CHECK(r.exit_code == 254);
  CHECK(r.out.find("multi-register") != std::string::npos);
  std::filesystem::remove(broken);
}

TEST_CASE("check: --consistency sequential and --time-limit") {
  // A stale read: sequentially consistent, not linearizable.
  const std::string stale = temp_file("stale.jsonl",
      "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":1}\n"
      "{\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"value\":1}\n"
      "{\"process\":1,\"type\":\"invoke\",\"f\":\"write\",\"value\":2}\n"
      "{\"process\":1,\"type\":\"ok\",\"f\":\"write\",\"value\":2}\n"
      "{\"process\":2,\"type\":\"invoke\",\"f\":\"read\",\"value\":null}\n"
      "{\"process\":2,\"type\":\"ok\",\"f\":\"read\",\"value\":1}\n");
  CHECK(run({"check", "--model", "register", stale}).exit_code == 1);
  CHECK(run({"check", "--model", "register", "--consistency", "sequential", stale}).exit_code == 0);

  // 24 concurrent writes and an impossible read: exponential, so the time limit answers unknown.
  std::string hard;
  for (int p = 0; p < 24; ++p) {
    hard += "{\"process\":" + std::to_string(p) + ",\"type\":\"invoke\",\"f\":\"write\",\"value\":" +
            std::to_string(p) + "}\n";
  }
  hard += "{\"process\":99,\"type\":\"invoke\",\"f\":\"read\",\"value\":null}\n";
  for (int p = 0; p < 24; ++p) {
    hard += "{\"process\":" + std::to_string(p) + ",\"type\":\"ok\",\"f\":\"write\",\"value\":" +
            std::to_string(p) + "}\n";
  }
  hard += "{\"process\":99,\"type\":\"ok\",\"f\":\"read\",\"value\":1000}\n";
  const std::string hard_file = temp_file("hard.jsonl", hard);
  const Run r = run({"check", "--model", "register", "--time-limit", "0.2", hard_file});
  INFO(r.out);
  CHECK(r.exit_code == 2);
  CHECK(r.out.find("unknown") != std::string::npos);
  CHECK(r.out.find("time limit") != std::string::npos);
  std::filesystem::remove(stale);
  std::filesystem::remove(hard_file);
}

TEST_CASE("check: transactional and causal consistency through the binary") {
  constexpr int kPaperExampleTxns = 4;  // :invoke lines of paper-example.edn
  const std::string elle = kCorpus + "/elle/paper-example.edn";
  const Run strict = run({"check", "--json", "--no-svg", "--model", "list-append", "--consistency",
                          "strict-serializable", elle}, false);
  REQUIRE(strict.exit_code == 1);
  const auto j = nlohmann::json::parse(strict.out);
  CHECK(j["valid"] == false);
  CHECK(j["anomalies"].dump().find("G-single-realtime") != std::string::npos);
  // G-single too (T6's unobserved append follows T4's): not serializable either.
  const Run serial = run({"check", "--no-svg", "--model", "list-append", "--consistency",
                          "serializable", elle});
  CHECK(serial.exit_code == 1);
  const Run rc = run({"check", "--no-svg", "--model", "list-append", "--consistency",
                      "read-committed", elle});
  CHECK(rc.exit_code == 0);
  // The one-line summary counts the transactions (it printed ops=0 for every txn check).
  CHECK(serial.out.find(" ops=" + std::to_string(kPaperExampleTxns) + " ") != std::string::npos);
  // Without --consistency a transactional model means serializable.
  CHECK(run({"check", "--no-svg", "--model", "list-append", elle}).exit_code == 1);
  // A register history with unique writes, causally consistent.
  const std::string causal = temp_file(
      "causal.jsonl",
      "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"key\":\"x\",\"value\":1}\n"
      "{\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"key\":\"x\",\"value\":1}\n"
      "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\",\"key\":\"x\",\"value\":null}\n"
      "{\"process\":1,\"type\":\"ok\",\"f\":\"read\",\"key\":\"x\",\"value\":1}\n");
  CHECK(run({"check", "--model", "kv", "--consistency", "causal", causal}).exit_code == 0);
  // A checker that does not fit the history: exit 254 with the reason.
  const Run bad = run({"check", "--model", "register", "--consistency", "causal",
                       kCorpus + "/porcupine/etcd/etcd_002.log"});
  CHECK(bad.exit_code == 254);
  CHECK(bad.out.find("cas") != std::string::npos);
  std::filesystem::remove(causal);
}
