// noop: the harness-overhead workload. Its client never touches the system (invoke answers ok
// at once); its checker verifies the history the harness recorded is well formed: every client
// invocation has exactly one completion on the same process and f, and no process is reused
// after an `info`. bench/ measures the runner's recording rate with it.
#include <map>

#include <faultline/workloads/workload.h>

namespace faultline::workloads {
namespace {

class NoopWorkload : public Workload {
 public:
  std::string name() const override { return "noop"; }
  std::string description() const override {
    return "no-op client (never contacts the system); checks only that the recorded history "
           "is well formed. For measuring harness overhead.";
  }
  std::vector<std::string> required_ops() const override { return {}; }
  void configure(GeneratorConfig& config, const WorkloadOptions& opts) const override {
    // One phase as long as the run (the generator needs a positive duration; the runner's time
    // limit ends it).
    const int64_t duration = opts.time_limit_ns > 0 ? opts.time_limit_ns : int64_t{3600} * 1'000'000'000;
    config.phases = {Phase{{OpTemplate{"noop", 1.0, ValueKind::NextUniqueInt}}, duration}};
  }
  Op invoke(const Op& invocation, SutClient&) const override {
    return completion(invocation, OpType::Ok);
  }
  Json check(const History& history, const WorkloadOptions&) const override {
    std::map<int64_t, const Op*> open;  // process -> pending invocation
    std::map<int64_t, bool> retired;
    Json errors = Json::array();
    int64_t completed = 0;
    auto error = [&](const Op& op, const std::string& what) {
      if (errors.size() < 20) errors.push_back({{"index", op.index}, {"error", what}});
    };
    for (const Op& op : history.ops()) {
      if (!op.is_client()) continue;
      if (retired[op.process]) error(op, "process reused after info");
      if (op.type == OpType::Invoke) {
        if (open.count(op.process)) error(op, "second invocation before completion");
        open[op.process] = &op;
        continue;
      }
      auto it = open.find(op.process);
      if (it == open.end()) {
        error(op, "completion without invocation");
        continue;
      }
      if (it->second->f != op.f) error(op, "completion f differs from invocation");
      if (op.type == OpType::Info) retired[op.process] = true;
      open.erase(it);
      ++completed;
    }
    const bool valid = errors.empty();
    return {{"valid", valid}, {"completed", completed}, {"pending", open.size()},
            {"errors", errors}};
  }
};

}  // namespace

std::unique_ptr<Workload> make_noop_workload() { return std::make_unique<NoopWorkload>(); }

}  // namespace faultline::workloads
