#include "faultline/nemesis/commands.h"

#include <cctype>
#include <cstdio>
#include <stdexcept>

#include "faultline/control/remote.h"

namespace faultline::nemesis::cmd {
using control::shell_join;
using control::shell_quote;

namespace {
std::string ipt(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"iptables", "-w", "5"};
  argv.insert(argv.end(), args.begin(), args.end());
  return shell_join(argv);
}
std::vector<std::string> with(std::vector<std::string> head, const std::vector<std::string>& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}
// Wait loop: `cond` is a shell test that is true while we must keep waiting.
std::string bounded_wait(const std::string& cond, int64_t wait_ms) {
  int64_t rounds = std::max<int64_t>(1, wait_ms / 20);
  return "i=0; while " + cond + " && [ $i -lt " + std::to_string(rounds) +
         " ]; do sleep 0.02; i=$((i+1)); done";
}
// Prints the one-letter state of pid $p ("" when gone); the comm field may hold spaces.
const char* kStateOf = "st() { sed -n 's/^.*) \\(.\\).*/\\1/p' /proc/$1/stat 2>/dev/null; }; ";
}  // namespace

std::string ensure_chain() {
  return ipt({"-N", kChain}) + " 2>/dev/null; " + ipt({"-C", "INPUT", "-j", kChain}) +
         " 2>/dev/null || " + ipt({"-I", "INPUT", "1", "-j", kChain});
}

std::vector<std::string> drop_from_rule(const std::string& source_ip) {
  return {"-s", source_ip, "-j", "DROP"};
}

std::vector<std::string> loss_rule(const std::string& source_ip, double probability) {
  if (!(probability > 0.0 && probability <= 1.0))
    throw std::invalid_argument("loss: probability must be in (0, 1]");
  char p[32];
  std::snprintf(p, sizeof p, "%.4f", probability);
  return {"-s", source_ip, "-m", "statistic", "--mode", "random", "--probability", p,
          "-j", "DROP"};
}

std::vector<std::string> nfqueue_rule(const std::string& source_ip, int queue_num) {
  if (queue_num < 0 || queue_num > 65535) throw std::invalid_argument("delay: bad queue number");
  return {"-s", source_ip, "-j", "NFQUEUE", "--queue-num", std::to_string(queue_num),
          "--queue-bypass"};
}

std::string add_rules(const std::vector<std::vector<std::string>>& rules, bool at_head) {
  std::string out = "{ " + ensure_chain() + "; }";
  for (const auto& r : rules)
    out += " && " + ipt(with(at_head ? std::vector<std::string>{"-I", kChain, "1"}
                                     : std::vector<std::string>{"-A", kChain},
                             r));
  return out;
}

std::string delete_rules(const std::vector<std::vector<std::string>>& rules) {
  std::string out = "true";
  for (const auto& r : rules) {
    // A rule may have been added twice (two faults with the same rule); delete one copy per
    // journaled step, tolerating "already gone".
    out += "; " + ipt(with({"-C", kChain}, r)) + " 2>/dev/null && " +
           ipt(with({"-D", kChain}, r));
  }
  return out + "; true";
}

std::string remove_chain() {
  return "i=0; while " + ipt({"-D", "INPUT", "-j", kChain}) +
         " 2>/dev/null && [ $i -lt 20 ]; do i=$((i+1)); done; " + ipt({"-F", kChain}) +
         " 2>/dev/null; " + ipt({"-X", kChain}) + " 2>/dev/null; true";
}

std::string device_towards(const std::string& peer_ip) {
  return "ip -o route get " + shell_quote(peer_ip) +
         " | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p' | head -n1";
}

std::string tbf_add(const std::string& dev, const std::string& rate, const std::string& burst,
                    int64_t latency_ms) {
  return shell_join({"tc", "qdisc", "replace", "dev", dev, "root", "handle", kTcHandle, "tbf",
                     "rate", rate, "burst", burst, "latency", std::to_string(latency_ms) + "ms"});
}

std::string tbf_del(const std::string& dev) {
  return "if tc qdisc show dev " + shell_quote(dev) + " 2>/dev/null | grep -q 'qdisc tbf " +
         kTcHandle + " root'; then " + shell_join({"tc", "qdisc", "del", "dev", dev, "root"}) +
         "; fi";
}

std::string select_pids(const ProcessSelector& sel) {
  int set = !sel.name.empty() + !sel.pattern.empty() + !sel.pid_file.empty();
  if (set != 1)
    throw std::invalid_argument("process selector: give exactly one of name, pattern, pid file");
  std::string list;
  if (!sel.pid_file.empty()) {
    list = "cat " + shell_quote(sel.pid_file) + " 2>/dev/null";
  } else if (!sel.name.empty()) {
    list = "pgrep -x " + shell_quote(sel.name);
  } else {
    // The shell running this command (and an ssh/bash wrapper around it) has the pattern in its
    // own command line. Bracketing the first character ("[f]oo" matches "foo" but not "[f]oo")
    // keeps those out; $$ is excluded as well for patterns starting with a metacharacter.
    std::string pat = sel.pattern;
    if (std::isalnum(static_cast<unsigned char>(pat[0])))
      pat = "[" + pat.substr(0, 1) + "]" + pat.substr(1);
    list = "pgrep -f " + shell_quote(pat) + " | grep -vx \"$$\"";
  }
  // A SIGKILLed process lingers as a zombie until its parent reaps it: it is not running.
  return "{ " + list +
         "; } | while read -r p; do s=$(sed -n 's/^.*) \\(.\\).*/\\1/p' /proc/$p/stat "
         "2>/dev/null); [ -n \"$s\" ] && [ \"$s\" != Z ] && echo $p; done";
}

std::string pause_processes(const ProcessSelector& sel, int64_t wait_ms) {
  return std::string(kStateOf) + "pids=$(" + select_pids(sel) +
         "); [ -n \"$pids\" ] || { echo 'no process matches' >&2; exit 3; }; kill -STOP $pids; "
         "for p in $pids; do " +
         bounded_wait("[ -n \"$(st $p)\" ] && [ \"$(st $p)\" != T ] && [ \"$(st $p)\" != t ]",
                      wait_ms) +
         "; s=$(st $p); if [ -n \"$s\" ] && [ \"$s\" != T ] && [ \"$s\" != t ]; then "
         "echo \"pid $p in state $s, not stopped\" >&2; exit 4; fi; done; echo $pids";
}

std::string resume_processes(const ProcessSelector& sel, int64_t wait_ms) {
  return std::string(kStateOf) + "pids=$(" + select_pids(sel) +
         "); [ -z \"$pids\" ] && exit 0; kill -CONT $pids; for p in $pids; do " +
         bounded_wait("[ \"$(st $p)\" = T ]", wait_ms) +
         "; if [ \"$(st $p)\" = T ]; then echo \"pid $p still stopped\" >&2; exit 4; fi; done; "
         "echo $pids";
}

std::string kill_processes(const ProcessSelector& sel, int64_t wait_ms) {
  return std::string(kStateOf) + "pids=$(" + select_pids(sel) +
         "); [ -n \"$pids\" ] || { echo 'no process matches' >&2; exit 3; }; kill -9 $pids; "
         "for p in $pids; do " +
         bounded_wait("[ -n \"$(st $p)\" ] && [ \"$(st $p)\" != Z ]", wait_ms) +
         "; s=$(st $p); if [ -n \"$s\" ] && [ \"$s\" != Z ]; then "
         "echo \"pid $p survived SIGKILL (state $s)\" >&2; exit 4; fi; done; echo $pids";
}

std::string faketime_offset(int64_t offset_ms) {
  int64_t a = offset_ms < 0 ? -offset_ms : offset_ms;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%c%lld.%03lld", offset_ms < 0 ? '-' : '+',
                static_cast<long long>(a / 1000), static_cast<long long>(a % 1000));
  return buf;
}

std::string write_clock(const std::string& file, int64_t offset_ms) {
  const std::string tmp = file + ".tmp";
  return "mkdir -p \"$(dirname " + shell_quote(file) + ")\" && printf '%s\\n' " +
         shell_quote(faketime_offset(offset_ms)) + " > " + shell_quote(tmp) + " && mv -f " +
         shell_quote(tmp) + " " + shell_quote(file);
}

std::string reset_clock(const std::string& file) {
  return "if [ -e " + shell_quote(file) + " ]; then " + write_clock(file, 0) + "; fi";
}

std::string kill_pid_file(const std::string& pid_file, const std::string& comm) {
  const std::string f = shell_quote(pid_file);
  return "if [ -f " + f + " ]; then p=$(cat " + f + "); if [ -n \"$p\" ] && [ \"$(cat /proc/$p/comm " +
         "2>/dev/null)\" = " + shell_quote(comm.substr(0, 15)) + " ]; then kill -9 $p; " +
         bounded_wait("[ -d /proc/$p ] && ! grep -q '^State:.*Z' /proc/$p/status 2>/dev/null",
                      2000) +
         "; fi; rm -f " + f + "; fi";
}

std::string heal_sweep(const std::string& state_dir, const std::string& clock_file) {
  const std::string d = shell_quote(state_dir);
  std::string out = remove_chain() + "; ";
  out += "for dev in $(ls /sys/class/net); do " + std::string("if tc qdisc show dev \"$dev\" root 2>/dev/null | grep -q 'qdisc tbf ") +
         kTcHandle + "'; then tc qdisc del dev \"$dev\" root; fi; done; ";
  // Helper daemons write <state_dir>/<comm>.<anything>.pid; kill each if the name still matches.
  out += "for f in " + d + "/*.pid; do [ -f \"$f\" ] || continue; b=$(basename \"$f\"); "
         "c=${b%%.*}; p=$(cat \"$f\"); if [ -n \"$p\" ] && [ \"$(cat /proc/$p/comm 2>/dev/null)\" = "
         "\"$(printf %.15s \"$c\")\" ]; then kill -9 $p; fi; rm -f \"$f\"; done; ";
  out += reset_clock(clock_file) + "; true";
  return out;
}

std::string verify_clean() {
  return "left=''; if " + ipt({"-n", "-L", kChain}) +
         " >/dev/null 2>&1; then left=\"$left iptables-chain\"; fi; " +
         "for dev in $(ls /sys/class/net); do if tc qdisc show dev \"$dev\" 2>/dev/null | grep -q "
         "'qdisc tbf " + kTcHandle + "'; then left=\"$left qdisc:$dev\"; fi; done; "
         "if [ -n \"$left\" ]; then echo \"left behind:$left\" >&2; exit 1; fi";
}

}  // namespace faultline::nemesis::cmd
