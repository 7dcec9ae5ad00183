// TxnHistory: a transactional history compiled into flat integer tables, the only form the
// transactional checker searches (it never walks JSON after compile()).
//
// Input shape (Jepsen/Elle): each client op's value is a list of micro-ops [f key value] with
// f in "r", "w", "append" (a leading ':' is ignored). An `ok` txn committed and its completion
// value holds what its reads returned; a `fail` txn aborted; an `info` txn (or an invocation
// with no completion) may or may not have committed, and its reads are unknown. Nemesis ops are
// skipped. Real-time order is history order: Txn::invoke_pos / complete_pos are positions in
// the History.
//
// Values: integers are kept as themselves; any other JSON value (strings, ...) is interned and
// encoded as kInternedBase + id; nil is kNil. For list-append, a read of nil is the empty list.
// Contract: compile() requires a paired History (it pairs a copy otherwise) and throws
// HistoryError naming the op index when an op is not a list of micro-ops.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "faultline/core/history.h"

namespace faultline::checker::txn {

enum class TxnModel : uint8_t { ListAppend, RwRegister };

enum class MopKind : uint8_t { Read, Write, Append };
enum class TxnStatus : uint8_t { Ok, Fail, Info };

inline constexpr int64_t kNil = INT64_MIN;
inline constexpr int64_t kInternedBase = int64_t{1} << 62;
inline constexpr uint32_t kNoPos = UINT32_MAX;

struct Mop {
  uint32_t txn = 0;
  uint32_t key = 0;             // dense key id
  MopKind kind = MopKind::Read;
  bool known = true;            // false for reads of info/fail txns (value unknown)
  int64_t value = kNil;         // written value, or register value read
  uint32_t list_begin = 0;      // list-append reads: slice of TxnHistory::list_values
  uint32_t list_len = 0;
};

struct Txn {
  uint32_t invoke_pos = 0;         // position of the invocation in the History
  uint32_t complete_pos = kNoPos;  // position of the completion, kNoPos if none
  TxnStatus status = TxnStatus::Info;
  int64_t process = kNoProcess;    // logical process (History::logical_process)
  uint32_t mop_begin = 0, mop_end = 0;
  int64_t op_index = 0;            // Op::index of the invocation, the txn's public name T<i>
};

class TxnHistory {
 public:
  static TxnHistory compile(const History& h, TxnModel model);

  TxnModel model = TxnModel::ListAppend;
  std::vector<Txn> txns;             // in invocation order
  std::vector<Mop> mops;
  std::vector<int64_t> list_values;  // concatenated list-append read results
  std::vector<Json> key_names;       // key id -> original JSON key
  History history;                   // only filled when the input was unpaired (copy)

  const Op& invoke_op(const History& h, uint32_t t) const { return h[txns[t].invoke_pos]; }
  // Original JSON of an encoded value.
  Json value_json(int64_t v) const;
  std::string value_str(int64_t v) const;
  std::string key_str(uint32_t k) const;
  // "[1 2 3]" rendering of a list read, abbreviated in the middle when long.
  std::string list_str(const Mop& m) const;
  const int64_t* list(const Mop& m) const { return list_values.data() + m.list_begin; }

 private:
  std::vector<Json> interned_;  // id -> JSON for non-integer values
  friend class TxnCompiler;
};

std::string txn_name(const TxnHistory& th, uint32_t t);  // "T<op index>"

}  // namespace faultline::checker::txn
