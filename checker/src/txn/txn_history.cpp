#include "faultline/checker/txn/txn_history.h"

#include <string_view>
#include <unordered_map>

#include "faultline/core/error.h"

namespace faultline::checker::txn {

namespace {

std::string_view strip_colon(std::string_view s) {
  if (!s.empty() && s.front() == ':') s.remove_prefix(1);
  return s;
}

[[noreturn]] void bad_op(const Op& op, const std::string& why) {
  throw HistoryError("op " + std::to_string(op.index) + ": " + why +
                     " (a transaction's value must be a list of micro-ops [f key value] "
                     "with f in r, w, append)");
}

}  // namespace

class TxnCompiler {
 public:
  TxnCompiler(TxnHistory& out) : out_(out) {}

  uint32_t key_id(const Json& k) {
    if (k.is_number_integer()) {
      const int64_t v = k.get<int64_t>();
      auto [it, fresh] = int_keys_.try_emplace(v, static_cast<uint32_t>(out_.key_names.size()));
      if (fresh) out_.key_names.push_back(k);
      return it->second;
    }
    auto [it, fresh] =
        other_keys_.try_emplace(k.dump(), static_cast<uint32_t>(out_.key_names.size()));
    if (fresh) out_.key_names.push_back(k);
    return it->second;
  }

  int64_t value_code(const Json& v) {
    if (v.is_null()) return kNil;
    if (v.is_number_integer()) {
      const int64_t x = v.get<int64_t>();
      if (x > -kInternedBase && x < kInternedBase) return x;
    }
    auto [it, fresh] =
        interned_.try_emplace(v.dump(), static_cast<int64_t>(out_.interned_.size()));
    if (fresh) out_.interned_.push_back(v);
    return kInternedBase + it->second;
  }

  void add_txn(const History& h, size_t inv) {
    const Op& op = h[inv];
    const int64_t comp = h.completion(inv);
    Txn t;
    t.invoke_pos = static_cast<uint32_t>(inv);
    t.op_index = op.index;
    t.process = op.process == kNoProcess ? kNoProcess : h.logical_process(inv);
    const Op* value_op = &op;
    if (comp < 0) {
      t.status = TxnStatus::Info;
    } else {
      const Op& c = h[static_cast<size_t>(comp)];
      t.complete_pos = static_cast<uint32_t>(comp);
      t.status = c.type == OpType::Ok ? TxnStatus::Ok
                 : c.type == OpType::Fail ? TxnStatus::Fail
                                          : TxnStatus::Info;
      if (t.status == TxnStatus::Ok && !c.value.is_null()) value_op = &c;
    }
    const Json& v = value_op->value;
    if (!v.is_array()) bad_op(*value_op, "value is not a list");
    const uint32_t id = static_cast<uint32_t>(out_.txns.size());
    t.mop_begin = static_cast<uint32_t>(out_.mops.size());
    for (const Json& m : v) {
      if (!m.is_array() || m.size() < 2 || m.size() > 3 || !m[0].is_string())
        bad_op(*value_op, "micro-op " + m.dump() + " is not [f key value]");
      const std::string_view f = strip_colon(m[0].get_ref<const std::string&>());
      Mop mop;
      mop.txn = id;
      mop.key = key_id(m[1]);
      static const Json kNull;
      const Json& val = m.size() == 3 ? m[2] : kNull;
      if (f == "append") {
        mop.kind = MopKind::Append;
        mop.value = value_code(val);
      } else if (f == "w") {
        mop.kind = MopKind::Write;
        mop.value = value_code(val);
      } else if (f == "r") {
        mop.kind = MopKind::Read;
        mop.known = t.status == TxnStatus::Ok;
        if (mop.known) read_value(*value_op, val, mop);
      } else {
        bad_op(*value_op, "unknown micro-op function \"" + std::string(f) + "\"");
      }
      out_.mops.push_back(mop);
    }
    t.mop_end = static_cast<uint32_t>(out_.mops.size());
    out_.txns.push_back(t);
  }

 private:
  void read_value(const Op& op, const Json& val, Mop& mop) {
    if (out_.model == TxnModel::RwRegister) {
      mop.value = value_code(val);
      return;
    }
    mop.list_begin = static_cast<uint32_t>(out_.list_values.size());
    if (val.is_null()) return;  // Elle: reading an absent key yields nil, the empty list
    if (!val.is_array()) bad_op(op, "list-append read of " + val.dump() + " is not a list");
    for (const Json& e : val) out_.list_values.push_back(value_code(e));
    mop.list_len = static_cast<uint32_t>(val.size());
  }

  TxnHistory& out_;
  std::unordered_map<int64_t, uint32_t> int_keys_;
  std::unordered_map<std::string, uint32_t> other_keys_;
  std::unordered_map<std::string, int64_t> interned_;
};

TxnHistory TxnHistory::compile(const History& input, TxnModel model) {
  TxnHistory out;
  out.model = model;
  const History* h = &input;
  if (!input.paired()) {
    out.history = input;
    out.history.pair();
    h = &out.history;
  }
  TxnCompiler c(out);
  out.txns.reserve(h->size() / 2 + 1);
  for (size_t i = 0; i < h->size(); ++i) {
    const Op& op = (*h)[i];
    if (op.type != OpType::Invoke || op.is_nemesis()) continue;
    c.add_txn(*h, i);
  }
  return out;
}

Json TxnHistory::value_json(int64_t v) const {
  if (v == kNil) return nullptr;
  if (v >= kInternedBase) return interned_[static_cast<size_t>(v - kInternedBase)];
  return v;
}

std::string TxnHistory::value_str(int64_t v) const {
  if (v == kNil) return "nil";
  const Json j = value_json(v);
  return j.is_string() ? j.get<std::string>() : j.dump();
}

std::string TxnHistory::key_str(uint32_t k) const {
  const Json& j = key_names[k];
  return j.is_string() ? j.get<std::string>() : j.dump();
}

std::string TxnHistory::list_str(const Mop& m) const {
  constexpr uint32_t kShow = 6;
  std::string s = "[";
  const int64_t* l = list(m);
  for (uint32_t i = 0; i < m.list_len; ++i) {
    if (m.list_len > 2 * kShow && i == kShow) {
      s += "... ";
      i = m.list_len - kShow;
    }
    s += value_str(l[i]);
    if (i + 1 < m.list_len) s += ' ';
  }
  return s + "]";
}

std::string txn_name(const TxnHistory& th, uint32_t t) {
  return "T" + std::to_string(th.txns[t].op_index);
}

}  // namespace faultline::checker::txn
