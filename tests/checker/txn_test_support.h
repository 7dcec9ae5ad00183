// Test helpers for the transactional and causal checker tests: build histories in code, and
// read the one-map-per-line EDN of Elle's corpus (a small subset reader: maps, vectors,
// keywords, integers, strings, nil), until the core EDN reader is used here.
#pragma once
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "faultline/core/history.h"

namespace faultline::testing {

class MiniEdn {
 public:
  explicit MiniEdn(const std::string& s) : s_(s) {}
  Json parse() {
    skip();
    if (i_ >= s_.size()) throw std::runtime_error("edn: unexpected end");
    const char c = s_[i_];
    if (c == '{') {
      ++i_;
      Json m = Json::object();
      for (skip(); s_[i_] != '}'; skip()) {
        Json k = parse();
        Json v = parse();
        m[k.is_string() ? k.get<std::string>() : k.dump()] = v;
      }
      ++i_;
      return m;
    }
    if (c == '[' || c == '(') {
      const char close = c == '[' ? ']' : ')';
      ++i_;
      Json a = Json::array();
      for (skip(); s_[i_] != close; skip()) a.push_back(parse());
      ++i_;
      return a;
    }
    if (c == '"') {
      const size_t e = s_.find('"', i_ + 1);
      Json out = s_.substr(i_ + 1, e - i_ - 1);
      i_ = e + 1;
      return out;
    }
    size_t e = i_;
    while (e < s_.size() && !std::isspace(static_cast<unsigned char>(s_[e])) && s_[e] != ',' &&
           s_[e] != ']' && s_[e] != '}' && s_[e] != ')')
      ++e;
    std::string tok = s_.substr(i_, e - i_);
    i_ = e;
    if (tok == "nil") return nullptr;
    if (tok[0] == ':') return tok.substr(1);
    return std::stoll(tok);
  }

 private:
  void skip() {
    while (i_ < s_.size() && (std::isspace(static_cast<unsigned char>(s_[i_])) || s_[i_] == ','))
      ++i_;
  }
  const std::string& s_;
  size_t i_ = 0;
};

inline History read_edn_lines(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  History h;
  std::string line;
  while (std::getline(in, line)) {
    if (line.find('{') == std::string::npos) continue;
    Json m = MiniEdn(line).parse();
    Op op;
    op.index = m.value("index", int64_t{-1});
    if (m.contains("process")) op.process = m["process"].get<int64_t>();
    op.type = *op_type_from_string(m["type"].get<std::string>());
    if (m.contains("f")) op.f = m["f"].get<std::string>();
    op.value = m["value"];
    h.add(std::move(op));
  }
  h.pair();
  return h;
}

// Appends an invocation and its completion for process p; `value` is the completion's
// value (the invocation's reads are nil, as Jepsen records them).
inline void add_txn(History& h, int64_t p, OpType type, const Json& value) {
  Op inv;
  inv.process = p;
  inv.type = OpType::Invoke;
  inv.f = "txn";
  inv.value = value;
  for (auto& m : inv.value)
    if (m[0] == "r") m[2] = nullptr;
  h.add(inv);
  Op done = inv;
  done.index = -1;
  done.type = type;
  done.value = value;
  h.add(done);
}

}  // namespace faultline::testing

namespace faultline::testing {

struct TxnSpec {
  int64_t process;
  OpType type;
  Json value;  // completion value, micro-ops [f k v]
};

// All txns invoked first (in order), then all completed (in order): no real-time or process
// order between them, so only data dependencies matter.
inline History concurrent_txns(const std::vector<TxnSpec>& txns) {
  History h;
  for (const auto& t : txns) {
    Op inv;
    inv.process = t.process;
    inv.type = OpType::Invoke;
    inv.f = "txn";
    inv.value = t.value;
    for (auto& m : inv.value)
      if (m[0] == "r") m[2] = nullptr;
    h.add(inv);
  }
  for (size_t i = 0; i < txns.size(); ++i) {
    Op done = h[i];
    done.index = -1;
    done.type = txns[i].type;
    done.value = txns[i].value;
    h.add(done);
  }
  h.pair();
  return h;
}

}  // namespace faultline::testing
