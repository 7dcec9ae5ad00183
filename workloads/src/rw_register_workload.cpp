// rw-register: Elle's read-write register transactions (random txns of writes of values unique
// per key and reads over a few keys, PROTOCOL txn of write/read at keys "rw-<k>"), checked by
// the transactional checker for params.consistency (default serializable, as `faultline check
// --model rw-register`). Register version orders are only partly recoverable from reads (Elle
// 4.3), so this checker finds fewer anomalies than list-append; params.sequential_keys /
// params.linearizable_keys (default false) add Elle's per-key ordering assumptions when the
// system promises them. Contract and other parameters: elle_txn.h.
#include "elle_txn.h"

namespace faultline::workloads {
namespace {

class RwRegisterWorkload : public elle::ElleTxnWorkload {
 public:
  RwRegisterWorkload() : ElleTxnWorkload(checker::txn::TxnModel::RwRegister, "rw-") {}
  std::string name() const override { return "rw-register"; }
  std::string description() const override {
    return "Elle rw-register: random transactions of writes (values unique per key) and reads "
           "over a few keys, sent as one PROTOCOL txn; checked for serializability "
           "(params.consistency) by the transactional checker.";
  }
};

}  // namespace

std::unique_ptr<Workload> make_rw_register_workload() {
  return std::make_unique<RwRegisterWorkload>();
}

}  // namespace faultline::workloads
