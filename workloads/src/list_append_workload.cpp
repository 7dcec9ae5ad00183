// list-append: Elle's list-append transactions (random txns of appends of unique values and
// reads over a few keys, PROTOCOL txn of append/read at keys "la-<k>"), checked by the
// transactional checker for params.consistency (default serializable). Parameters and the
// client/checker contract: elle_txn.h (keys = WorkloadOptions.key_count or params.keys, default
// 5; params.max_txn_length default 4; params.read_fraction default 0.5).
#include "elle_txn.h"

namespace faultline::workloads {
namespace {

class ListAppendWorkload : public elle::ElleTxnWorkload {
 public:
  ListAppendWorkload() : ElleTxnWorkload(checker::txn::TxnModel::ListAppend, "la-") {}
  std::string name() const override { return "list-append"; }
  std::string description() const override {
    return "Elle list-append: random transactions of appends (unique values) and reads over a "
           "few keys, sent as one PROTOCOL txn; checked for serializability (params.consistency) "
           "by the transactional checker.";
  }
};

}  // namespace

std::unique_ptr<Workload> make_list_append_workload() {
  return std::make_unique<ListAppendWorkload>();
}

}  // namespace faultline::workloads
