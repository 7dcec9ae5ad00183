// faultline-delayd: holds packets that an iptables NFQUEUE rule hands it for delay ± jitter ms,
// then accepts them. Runs on the RECEIVING node (INPUT chain): delaying at the sender's OUTPUT
// stalls TCP because queued skbs still count against the sender's socket.
//
//   faultline-delayd --queue N --delay-ms D [--jitter-ms J] [--max-runtime-s S]
//                    [--pid-file F] [--seed X]
//
// Writes its pid file only once bound to the queue (so the starter can wait on it), exits after
// max-runtime-s (bounded by design) or on SIGTERM/SIGINT, accepting every held packet first.
// Packets beyond kMaxHeld are accepted at once rather than held (bounded memory). Only packet
// metadata is copied from the kernel (NFQNL_COPY_META).
#include <arpa/inet.h>  // before linux/netfilter.h, which otherwise redefines struct in_addr
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <queue>
#include <random>
#include <string>
#include <vector>

namespace {

constexpr size_t kMaxHeld = 200'000;
using Clock = std::chrono::steady_clock;

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

struct Held {
  Clock::time_point due;
  uint32_t id;
  bool operator>(const Held& o) const { return due > o.due; }
};

struct State {
  nfq_q_handle* qh = nullptr;
  int64_t delay_ms = 0;
  int64_t jitter_ms = 0;
  std::mt19937_64 rng;
  std::priority_queue<Held, std::vector<Held>, std::greater<Held>> held;
  uint64_t accepted_now = 0;
};

int on_packet(nfq_q_handle* qh, nfgenmsg*, nfq_data* nfa, void* data) {
  auto* st = static_cast<State*>(data);
  nfqnl_msg_packet_hdr* ph = nfq_get_msg_packet_hdr(nfa);
  if (!ph) return 0;
  uint32_t id = ntohl(ph->packet_id);
  if (st->held.size() >= kMaxHeld) {
    ++st->accepted_now;
    return nfq_set_verdict(qh, id, NF_ACCEPT, 0, nullptr);
  }
  int64_t d = st->delay_ms;
  if (st->jitter_ms > 0) {
    std::uniform_int_distribution<int64_t> dist(-st->jitter_ms, st->jitter_ms);
    d += dist(st->rng);
  }
  if (d < 0) d = 0;
  st->held.push({Clock::now() + std::chrono::milliseconds(d), id});
  return 0;
}

void usage() {
  std::fprintf(stderr,
               "usage: faultline-delayd --queue N --delay-ms D [--jitter-ms J] "
               "[--max-runtime-s S] [--pid-file F] [--seed X]\n");
}

}  // namespace

int main(int argc, char** argv) {
  long queue = -1;
  State st;
  int64_t max_runtime_s = 3600;
  std::string pid_file;
  uint64_t seed = 1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        usage();
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--queue") queue = std::strtol(next(), nullptr, 10);
    else if (a == "--delay-ms") st.delay_ms = std::strtoll(next(), nullptr, 10);
    else if (a == "--jitter-ms") st.jitter_ms = std::strtoll(next(), nullptr, 10);
    else if (a == "--max-runtime-s") max_runtime_s = std::strtoll(next(), nullptr, 10);
    else if (a == "--pid-file") pid_file = next();
    else if (a == "--seed") seed = std::strtoull(next(), nullptr, 10);
    else {
      usage();
      return 2;
    }
  }
  if (queue < 0 || queue > 65535 || st.delay_ms < 0 || st.jitter_ms < 0 || max_runtime_s <= 0) {
    usage();
    return 2;
  }
  st.rng.seed(seed);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  std::signal(SIGHUP, on_signal);

  nfq_handle* h = nfq_open();
  if (!h) {
    std::perror("faultline-delayd: nfq_open");
    return 1;
  }
  if (nfq_bind_pf(h, AF_INET) < 0) {
    std::perror("faultline-delayd: nfq_bind_pf");
    return 1;
  }
  st.qh = nfq_create_queue(h, static_cast<uint16_t>(queue), &on_packet, &st);
  if (!st.qh) {
    std::fprintf(stderr, "faultline-delayd: cannot bind queue %ld: %s\n", queue, std::strerror(errno));
    return 1;
  }
  if (nfq_set_mode(st.qh, NFQNL_COPY_META, 0) < 0 ||
      nfq_set_queue_maxlen(st.qh, 20'000) < 0) {
    std::perror("faultline-delayd: queue setup");
    return 1;
  }
  nfnl_rcvbufsiz(nfq_nfnlh(h), 4 * 1024 * 1024);
  const int fd = nfq_fd(h);

  if (!pid_file.empty()) {
    std::string tmp = pid_file + ".tmp";
    FILE* f = std::fopen(tmp.c_str(), "w");
    if (!f || std::fprintf(f, "%d\n", static_cast<int>(getpid())) < 0 || std::fclose(f) != 0 ||
        std::rename(tmp.c_str(), pid_file.c_str()) != 0) {
      std::perror("faultline-delayd: pid file");
      return 1;
    }
  }

  const auto deadline = Clock::now() + std::chrono::seconds(max_runtime_s);
  std::vector<char> buf(1 << 16);
  while (!g_stop && Clock::now() < deadline) {
    auto now = Clock::now();
    while (!st.held.empty() && st.held.top().due <= now) {
      nfq_set_verdict(st.qh, st.held.top().id, NF_ACCEPT, 0, nullptr);
      st.held.pop();
    }
    int timeout_ms = 200;
    if (!st.held.empty()) {
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(st.held.top().due - now);
      timeout_ms = static_cast<int>(std::max<int64_t>(0, std::min<int64_t>(wait.count() + 1, 200)));
    }
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, timeout_ms);
    if (r < 0) {
      if (errno == EINTR) continue;
      std::perror("faultline-delayd: poll");
      break;
    }
    if (r == 0) continue;
    // Drain what is readable (bounded per round so verdicts keep flowing).
    for (int k = 0; k < 256; ++k) {
      ssize_t n = ::recv(fd, buf.data(), buf.size(), MSG_DONTWAIT);
      if (n < 0) {
        if (errno == ENOBUFS) continue;  // the kernel dropped some queue messages; keep going
        break;
      }
      nfq_handle_packet(h, buf.data(), static_cast<int>(n));
    }
  }
  while (!st.held.empty()) {
    nfq_set_verdict(st.qh, st.held.top().id, NF_ACCEPT, 0, nullptr);
    st.held.pop();
  }
  nfq_destroy_queue(st.qh);
  nfq_close(h);
  if (!pid_file.empty()) ::unlink(pid_file.c_str());
  return 0;
}
