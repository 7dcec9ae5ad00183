// Readers on files larger than their read chunk (256 KiB): lines and forms that straddle
// chunk boundaries, a line longer than a chunk, and error positions far into a file.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>

#include "faultline/core/error.h"
#include "faultline/core/formats.h"
#include "test_util/temp_dir.h"

using namespace faultline;

namespace {
// A path in this executable's scratch directory (removed when the process exits, whatever the
// test cases did; the build tree is never written).
std::string temp_path(const char* name) {
  static const faultline::test::TempDir dir("faultline-formats-large");
  return dir.file(name);
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

History many_ops(size_t n) {
  History h;
  for (size_t i = 0; i < n; ++i) {
    Op op;
    op.process = static_cast<int64_t>(i % 7);
    op.type = i % 2 == 0 ? OpType::Invoke : OpType::Ok;
    op.f = i % 3 == 0 ? "read" : "write";
    op.key = static_cast<int64_t>(i % 11);
    op.value = Json::array({static_cast<int64_t>(i), "v\n\"" + std::to_string(i * 7919)});
    op.time_ns = static_cast<int64_t>(i) * 1000;
    h.add(op);
  }
  return h;
}

void check_same(const History& a, const History& b) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    if (op_to_json(a[i]) != op_to_json(b[i])) FAIL("op " << i << " differs");
  }
}

std::string error_of_file(const std::string& path) {
  try {
    read_history_file(path);
  } catch (const ParseError& e) {
    return std::to_string(e.pos().line) + ":" + std::to_string(e.pos().col) + ": " + e.message();
  }
  return "no error";
}
}  // namespace

TEST_CASE("JSONL and EDN files spanning many read chunks read back exactly") {
  const History h = many_ops(20000);  // ~1.5 MB in either format
  std::ostringstream jsonl, edn;
  write_history_jsonl(h, jsonl);
  write_history_edn(h, edn);
  REQUIRE(jsonl.str().size() > 1000000);
  const std::string jp = temp_path("large_test.jsonl"), ep = temp_path("large_test.edn");
  write_file(jp, jsonl.str());
  write_file(ep, "[" + edn.str() + "]\n");
  check_same(h, read_history_file(jp));
  check_same(h, read_history_file(ep));
  std::remove(jp.c_str());
  std::remove(ep.c_str());
}

TEST_CASE("a JSONL line longer than a read chunk") {
  Op op;
  op.process = 1;
  op.f = "write";
  op.value = std::string(700 * 1024, 'x');
  History h;
  h.add(op);
  op.type = OpType::Ok;
  h.add(op);
  std::ostringstream out;
  write_history_jsonl(h, out);
  const std::string path = temp_path("long_line_test.jsonl");
  write_file(path, out.str());
  check_same(h, read_history_file(path));
  std::remove(path.c_str());
}

TEST_CASE("error positions stay right deep into a file") {
  const History h = many_ops(8000);
  std::ostringstream jsonl, edn;
  write_history_jsonl(h, jsonl);
  write_history_edn(h, edn);

  const std::string jp = temp_path("late_error_test.jsonl");
  write_file(jp, jsonl.str() + "{\"type\":\"ok\",\"f\":tru}\n");
  CHECK(error_of_file(jp).substr(0, 21) == "8001:21: invalid JSON");
  std::remove(jp.c_str());

  const std::string ep = temp_path("late_error_test.edn");
  write_file(ep, "; ops\n[" + edn.str() + " {:type :ok, :f \"open\n\n");
  CHECK(error_of_file(ep).substr(0, 28) == "8002:17: unterminated string");
  write_file(ep, "[" + edn.str() + " {:type :ok, :f :x}\n  {:type :ok :value [1 2}]");
  CHECK(error_of_file(ep) ==
        "8002:25: unmatched delimiter '}': expected ']' to close the vector opened at 8002:21");
  std::remove(ep.c_str());
}

TEST_CASE("mutated EDN and JSONL input fails only with ParseError") {
  const uint64_t seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  const std::string edn_base =
      "[{:process 0, :type :invoke, :f :cas, :value [1 2], :key \"k\\u00e9\", :x #{1 2/3 4.5M}}\n"
      " {:process :nemesis, :type :info, :f :start, :value #inst \"2015\", :c \\newline} #_ 1\n"
      " #jepsen.history.Op{:process 0, :type :ok, :f :cas, :value (1 2N) :time 9}]\n";
  const std::string jsonl_base =
      "{\"process\":0,\"type\":\"invoke\",\"f\":\"cas\",\"value\":[1,{\"a\":null}],\"x\":1.5}\n"
      "{\"process\":0,\"type\":\"ok\",\"f\":\"cas\",\"value\":[1,2]}\n";
  const char kBytes[] = "[](){}#_:;\\\"\n ,0aN/M.\xC3";
  for (int i = 0; i < 3000; ++i) {
    const bool use_edn = i % 2 == 0;
    std::string text = use_edn ? edn_base : jsonl_base;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t at = rng() % text.size();
      switch (rng() % 3) {
        case 0: text.erase(at, 1); break;
        case 1: text.insert(at, 1, kBytes[rng() % (sizeof kBytes - 1)]); break;
        default: text[at] = kBytes[rng() % (sizeof kBytes - 1)]; break;
      }
    }
    INFO("input: " << text);
    try {
      History h = read_history_string(text, use_edn ? HistoryFormat::Edn : HistoryFormat::Jsonl);
      CHECK(h.size() <= 3);
    } catch (const ParseError& e) {
      CHECK(e.pos().line >= 1);
      CHECK(e.pos().col >= 1);
    }
  }
}
