// Every public history under FAULTLINE_CORPUS_DIR reads (format sniffed), pairs, and survives
// a JSONL and an EDN round-trip.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <sstream>

#include "faultline/core/formats.h"

using namespace faultline;
namespace fs = std::filesystem;

namespace {
const fs::path kCorpus = FAULTLINE_CORPUS_DIR;

bool is_history(const fs::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".edn" || ext == ".log" || ext == ".txt";
}

void check_same_ops(const History& a, const History& b) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    if (op_to_json(a[i]) != op_to_json(b[i])) {
      FAIL("op " << i << " differs: " << op_to_json(a[i]).dump() << " vs "
                 << op_to_json(b[i]).dump());
    }
  }
}
}  // namespace

TEST_CASE("every corpus history reads, pairs and round-trips") {
  REQUIRE(fs::is_directory(kCorpus));
  std::map<std::string, size_t> per_format;
  size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(kCorpus)) {
    if (!entry.is_regular_file() || !is_history(entry.path())) continue;
    const std::string path = entry.path().string();
    INFO(path);
    ++files;
    HistoryFormat detected = HistoryFormat::Auto;
    History h = read_history_file(path, HistoryFormat::Auto, &detected);
    ++per_format[std::string(to_string(detected))];
    CHECK(detected == (entry.path().extension() == ".log" ? HistoryFormat::JepsenLog
                                                          : HistoryFormat::Edn));
    CHECK(h.size() > 0);
    REQUIRE_NOTHROW(h.pair());

    std::ostringstream jsonl, edn;
    write_history_jsonl(h, jsonl);
    write_history_edn(h, edn);
    check_same_ops(h, read_history_string(jsonl.str(), HistoryFormat::Auto, path + ".jsonl"));
    check_same_ops(h, read_history_string(edn.str(), HistoryFormat::Auto, path + ".edn"));
  }
  // 49 etcd logs, 4 kv, 85 cas-register, 1 multi-register, 1 mutex, 1 Elle example.
  CHECK(files == 141);
  CHECK(per_format["jepsen-log"] == 49);
  CHECK(per_format["edn"] == 92);
}

TEST_CASE("known corpus files have their op counts and shapes") {
  const auto read = [](const char* rel) { return read_history_file((kCorpus / rel).string()); };

  const History etcd = read("porcupine/etcd/etcd_000.log");
  CHECK(etcd.size() == 170);
  CHECK(etcd[0].f == "read");
  CHECK(etcd[0].type == OpType::Invoke);

  const History mutex = read("knossos/mutex/bad/etcd.edn");
  CHECK(mutex.size() == 1135);
  CHECK(mutex[1].error == "not-held");
  CHECK(mutex[169].process == kNemesisProcess);
  CHECK(mutex[1134].error == Json::parse(R"(["not-found","etcdserver: requested lease not found"])"));

  const History multi = read("knossos/multi-register/good/multi-register.edn");
  CHECK(multi.size() == 250);
  CHECK(multi[1].value == Json::parse(R"([["read","x",null],["read","y",null]])"));

  const History cas = read("knossos/cas-register/bad/cas-failure.edn");
  CHECK(cas.size() == 590);
  CHECK(cas[8].value == Json::parse("[2,1]"));

  History elle = read("elle/paper-example.edn");
  CHECK(elle.size() == 8);
  CHECK(elle[0].process == kNoProcess);
  elle.pair();
  CHECK(elle.completion(0) == 1);
  CHECK(elle.completion(6) == 7);

  const History kv = read("porcupine/kv/c01-ok.txt");
  CHECK(kv.size() == 116);
  CHECK(kv[0].key == "0");
  CHECK(kv[0].f == "append");
  CHECK(kv[0].value == "x 0 0 y");
}
