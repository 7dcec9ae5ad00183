// delay: each target node holds packets it receives from its peers for delay_ms ± jitter_ms
// before accepting them: an NFQUEUE rule (--queue-bypass, so traffic flows if the daemon dies)
// appended to its FAULTLINE chain feeds faultline-delayd running on that node. Held on the
// receiver's INPUT, not the sender's OUTPUT: holding on OUTPUT stalls the sender's TCP stack.
// params: delay_ms (default 50), jitter_ms (default 0), max_runtime_s (default 3600; the
// daemon exits by itself after it), queue (default 7000 + fault number % 1000).
// undo: {"rules": [...], "pid_file": "..."}.
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "fault_util.h"
#include "faultline/nemesis/commands.h"

namespace faultline::nemesis {
namespace {
using control::shell_join;
using control::shell_quote;

class DelayFault final : public Fault {
 public:
  std::string_view kind() const override { return "delay"; }

  Json start(FaultContext& ctx, const FaultSpec& spec) override {
    const auto delay_ms = static_cast<int64_t>(detail::num_param(spec, "delay_ms", 50));
    const auto jitter_ms = static_cast<int64_t>(detail::num_param(spec, "jitter_ms", 0));
    const auto runtime_s = static_cast<int64_t>(detail::num_param(spec, "max_runtime_s", 3600));
    if (delay_ms < 0 || jitter_ms < 0 || jitter_ms > delay_ms || runtime_s <= 0)
      throw std::invalid_argument("delay: need 0 <= jitter_ms <= delay_ms and max_runtime_s > 0");
    // Distinct per fault, so two delays on one node never share a queue.
    const std::string& id = ctx.fault_id();
    const long number = std::strtol(id.c_str() + id.rfind('-') + 1, nullptr, 10);
    const int queue =
        static_cast<int>(detail::num_param(spec, "queue", 7000 + static_cast<double>(number % 1000)));
    const std::string bin = ctx.config().delayd_remote_path;
    auto targets = ctx.targets(spec);
    for (const auto& node : targets) {
      std::vector<std::vector<std::string>> rules;
      for (const auto& ip : detail::peer_addresses(ctx, node)) rules.push_back(cmd::nfqueue_rule(ip, queue));
      const std::string dir = ctx.state_dir(node);
      const std::string pid_file = dir + "/faultline-delayd.q" + std::to_string(queue) + ".pid";
      const std::string log_file = dir + "/faultline-delayd.q" + std::to_string(queue) + ".log";
      ctx.journal_step(node, {{"rules", rules}, {"pid_file", pid_file}});
      ensure_binary(ctx, node, bin);
      const std::string daemon =
          shell_join({bin, "--queue", std::to_string(queue), "--delay-ms", std::to_string(delay_ms),
                      "--jitter-ms", std::to_string(jitter_ms), "--max-runtime-s",
                      std::to_string(runtime_s), "--pid-file", pid_file, "--seed",
                      std::to_string(ctx.seed())});
      // delayd writes its pid file only once it is bound to the queue: wait for it (bounded).
      ctx.run(node, "mkdir -p " + shell_quote(dir) + " && rm -f " + shell_quote(pid_file) +
                        " && (setsid " + daemon + " > " + shell_quote(log_file) +
                        " 2>&1 < /dev/null &) ; i=0; while [ ! -s " + shell_quote(pid_file) +
                        " ] && [ $i -lt 150 ]; do sleep 0.02; i=$((i+1)); done; [ -s " +
                        shell_quote(pid_file) + " ] || { cat " + shell_quote(log_file) +
                        " >&2; exit 1; }");
      ctx.run(node, cmd::add_rules(rules, /*at_head=*/false));
    }
    return {{"delay_ms", delay_ms}, {"jitter_ms", jitter_ms}, {"queue", queue}, {"nodes", targets}};
  }

  void undo(FaultContext& ctx, const UndoStep& step) override {
    ctx.run(step.node, cmd::delete_rules(detail::rules_from_json(step.undo.at("rules"))) + "; " +
                           cmd::kill_pid_file(step.undo.at("pid_file").get<std::string>(),
                                              "faultline-delayd"));
  }

 private:
  static void ensure_binary(FaultContext& ctx, const std::string& node, const std::string& bin) {
    auto r = ctx.run(node, "if [ -x " + shell_quote(bin) + " ]; then echo present; fi");
    if (r.out.find("present") != std::string::npos) return;
    const std::string& local = ctx.config().delayd_local_path;
    if (local.empty() || !std::filesystem::exists(local))
      throw FaultError(node, "upload " + bin,
                       "faultline-delayd is not on the node and no local binary to upload "
                       "(set delayd_local_path / --delayd)");
    ctx.run(node, "mkdir -p \"$(dirname " + shell_quote(bin) + ")\"");
    try {
      ctx.node(node).remote->upload(local, bin, 0755);
    } catch (const std::exception& e) {
      throw FaultError(node, "upload " + local + " -> " + bin, e.what());
    }
  }
};

}  // namespace

std::unique_ptr<Fault> make_delay_fault() { return std::make_unique<DelayFault>(); }

}  // namespace faultline::nemesis
