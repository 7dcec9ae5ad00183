// Shell commands the faults run on nodes, as pure functions (so unit tests can pin them down).
// Every argument is quoted with control::shell_quote. All our iptables rules live in one chain,
// FAULTLINE, jumped to from the top of INPUT, so healing never touches anyone else's rules.
// DROP rules are inserted at the head of the chain and NFQUEUE (delay) rules appended, so a
// partition still drops packets that a delay rule would otherwise accept.
// tc qdiscs we add carry handle fa17: so the sweep can tell ours from others.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "faultline/nemesis/fault.h"

namespace faultline::nemesis::cmd {

inline constexpr const char* kChain = "FAULTLINE";
inline constexpr const char* kTcHandle = "fa17:";

// Creates the chain and its jump from INPUT when missing (idempotent).
std::string ensure_chain();
// Rule specs (argv after "iptables -I/-D FAULTLINE").
std::vector<std::string> drop_from_rule(const std::string& source_ip);
std::vector<std::string> loss_rule(const std::string& source_ip, double probability);
std::vector<std::string> nfqueue_rule(const std::string& source_ip, int queue_num);
// ensure_chain + insert at head (DROP) or append (others).
std::string add_rules(const std::vector<std::vector<std::string>>& rules, bool at_head);
// Deletes each rule while present (bounded); succeeds when absent.
std::string delete_rules(const std::vector<std::vector<std::string>>& rules);
// Removes the jump and the chain (idempotent).
std::string remove_chain();

// Shell snippet printing the device that routes to `peer_ip`.
std::string device_towards(const std::string& peer_ip);
std::string tbf_add(const std::string& dev, const std::string& rate, const std::string& burst,
                    int64_t latency_ms);
// Deletes our root qdisc on `dev` when present.
std::string tbf_del(const std::string& dev);

// Shell snippet printing the selected pids, one per line (never the shell running it).
std::string select_pids(const ProcessSelector& sel);
// SIGSTOP the selected processes and wait (bounded) until each shows state T; prints the pids.
// Exits 3 when nothing matches, 4 when a process did not stop in time.
std::string pause_processes(const ProcessSelector& sel, int64_t wait_ms);
// SIGCONT the selected processes and wait until none is in state T (no process is fine).
std::string resume_processes(const ProcessSelector& sel, int64_t wait_ms);
// SIGKILL the selected processes and wait until each is gone or a zombie; prints the pids.
// Exits 3 when nothing matches, 4 when a process survived.
std::string kill_processes(const ProcessSelector& sel, int64_t wait_ms);

// Offset text libfaketime reads: seconds with millisecond precision, "+5.250" / "-0.100".
std::string faketime_offset(int64_t offset_ms);
// Writes the offset atomically (temp file + rename) into `file`, creating its directory.
std::string write_clock(const std::string& file, int64_t offset_ms);
// Resets to +0 when the file exists.
std::string reset_clock(const std::string& file);

// Kills the daemon whose pid is in `pid_file` if its process name is `comm`; removes the file.
std::string kill_pid_file(const std::string& pid_file, const std::string& comm);

// The sweep heal_all runs on every node: our chain, our qdiscs, our helper daemons (pid files
// under state_dir), clock offset reset.
std::string heal_sweep(const std::string& state_dir, const std::string& clock_file);
// Exits non-zero and prints what is left when our chain or our qdiscs remain.
std::string verify_clean();

}  // namespace faultline::nemesis::cmd
