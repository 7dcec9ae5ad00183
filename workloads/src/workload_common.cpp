#include <faultline/workloads/workload.h>

namespace faultline::workloads {

Op completion(const Op& invocation, OpType type) {
  Op op;
  op.process = invocation.process;
  op.type = type;
  op.f = invocation.f;
  op.value = invocation.value;
  op.key = invocation.key;
  op.node = invocation.node;
  return op;
}

Op complete_from_reply(const Op& invocation, const Reply& reply, const Json& ok_value) {
  if (reply.ok) {
    Op op = completion(invocation, OpType::Ok);
    op.value = ok_value;
    return op;
  }
  Op op = completion(invocation, reply.definite() ? OpType::Fail : OpType::Info);
  op.error = reply.error;
  return op;
}

}  // namespace faultline::workloads
