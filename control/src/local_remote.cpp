// LocalRemote: Boost.Process children with asio pipes, one io_context per exec().
#include "faultline/control/local_remote.h"

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <boost/process/args.hpp>
#include <boost/process/async_pipe.hpp>
#include <boost/process/child.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/extend.hpp>
#include <boost/process/io.hpp>
#include <boost/process/search_path.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "spawn_command.h"

namespace faultline::control {
namespace {

namespace bp = boost::process;
namespace fs = std::filesystem;

// Puts the child in a process group of its own, so a timeout can kill everything it started,
// and gives it the default SIGPIPE disposition (this process ignores SIGPIPE; an ignored
// disposition would be inherited across exec and change how pipelines end).
struct NewProcessGroup : bp::extend::handler {
  template <class Executor>
  void on_exec_setup(Executor&) const {
    ::setpgid(0, 0);
    ::signal(SIGPIPE, SIG_DFL);
  }
};

std::string signal_name(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return abbrev ? abbrev : std::to_string(sig);
}

class LocalRemote final : public Remote {
 public:
  explicit LocalRemote(LocalRemoteOptions opts) : opts_(std::move(opts)) {
    detail::ignore_sigpipe_once();
  }

  const std::string& node() const override { return opts_.node; }

  ExecResult exec(const std::string& cmd, const ExecOptions& eo) override {
    std::vector<std::string> argv = opts_.prefix_argv;
    const bool wrap_sudo = eo.sudo && ::geteuid() != 0;
    if (wrap_sudo) {
      for (const char* a : {"sudo", "-n", "--"}) argv.emplace_back(a);
    }
    for (const char* a : {"/bin/sh", "-c"}) argv.emplace_back(a);
    argv.push_back(cmd);
    return run(argv, cmd, eo);
  }

  void upload(const std::string& local_path, const std::string& remote_path, int mode) override {
    copy(local_path, remote_path, "upload");
    std::error_code ec;
    fs::permissions(remote_path, static_cast<fs::perms>(mode), ec);
    if (ec) throw RemoteError(opts_.node, "upload " + remote_path, "chmod: " + ec.message());
  }

  void download(const std::string& remote_path, const std::string& local_path) override {
    copy(remote_path, local_path, "download");
  }

  int64_t spawn(const std::string& cmd, const SpawnOptions& so) override {
    std::string full = detail::spawn_command(cmd, so);
    ExecOptions eo;
    eo.timeout_ms = 30'000;
    return detail::parse_spawned_pid(opts_.node, cmd, exec(full, eo));
  }

 private:
  void copy(const std::string& from, const std::string& to, const char* what) {
    std::error_code ec;
    fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
    if (ec) {
      throw RemoteError(opts_.node, std::string(what) + " " + from + " -> " + to, ec.message());
    }
  }

  ExecResult run(const std::vector<std::string>& argv, const std::string& cmd, const ExecOptions& eo) {
    boost::asio::io_context ios;
    bp::async_pipe out_pipe(ios), err_pipe(ios), in_pipe(ios);
    ExecResult result;
    bool overflow = false;
    std::error_code spawn_ec;
    // A bare program name (e.g. "nsenter" from prefix_argv) is looked up in PATH.
    const boost::filesystem::path exe = argv.front().find('/') == std::string::npos
                                            ? bp::search_path(argv.front())
                                            : boost::filesystem::path(argv.front());
    if (exe.empty()) throw RemoteError(opts_.node, cmd, "program not found in PATH: " + argv.front());
    bp::child child(bp::exe = exe,
                    bp::args = std::vector<std::string>(argv.begin() + 1, argv.end()),
                    bp::std_out > out_pipe, bp::std_err > err_pipe, bp::std_in < in_pipe,
                    NewProcessGroup{}, spawn_ec);
    if (spawn_ec) throw RemoteError(opts_.node, cmd, "cannot start " + argv.front() + ": " + spawn_ec.message());
    const pid_t pid = child.id();
    child.detach();  // reaped with waitpid() below; the destructor must not terminate it

    std::array<char, 16384> out_buf{}, err_buf{};
    std::function<void()> read_out, read_err;
    auto make_reader = [&](bp::async_pipe& pipe, std::array<char, 16384>& buf, std::string& sink,
                           std::function<void()>& self) {
      self = [&, pid] {
        pipe.async_read_some(boost::asio::buffer(buf), [&, pid](boost::system::error_code ec, size_t n) {
          if (ec) return;  // EOF or closed: this stream is done
          sink.append(buf.data(), n);
          if (sink.size() > opts_.max_output_bytes) {
            overflow = true;
            ::kill(-pid, SIGKILL);
            return;
          }
          self();
        });
      };
    };
    make_reader(out_pipe, out_buf, result.out, read_out);
    make_reader(err_pipe, err_buf, result.err, read_err);
    read_out();
    read_err();
    if (eo.stdin_data.empty()) {
      in_pipe.close();
    } else {
      boost::asio::async_write(in_pipe, boost::asio::buffer(eo.stdin_data),
                               [&](boost::system::error_code, size_t) { in_pipe.close(); });
    }

    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(eo.timeout_ms);
    ios.run_until(deadline);
    bool timed_out = !ios.stopped();
    // Both pipes are at EOF (or the deadline passed); the child may still be running if it closed
    // its output early, so wait for its exit up to the same deadline.
    int status = 0;
    pid_t waited = 0;
    while (!timed_out && (waited = ::waitpid(pid, &status, WNOHANG)) == 0) {
      if (std::chrono::steady_clock::now() >= deadline) {
        timed_out = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (timed_out) {
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);  // in case it left its group
      ::waitpid(pid, &status, 0);
      // A grandchild that left the group may still hold a pipe open; stop reading after 1 s.
      ios.restart();
      ios.run_for(std::chrono::seconds(1));
    }
    if (timed_out) {
      throw RemoteError(opts_.node, cmd, "timed out after " + std::to_string(eo.timeout_ms) +
                                             " ms; killed its process group");
    }
    if (overflow) {
      throw RemoteError(opts_.node, cmd, "output exceeded " + std::to_string(opts_.max_output_bytes) +
                                             " bytes; killed its process group");
    }
    if (WIFEXITED(status)) {
      result.exit_status = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
      result.exit_status = -1;
      result.exit_signal = signal_name(WTERMSIG(status));
    }
    return result;
  }

  LocalRemoteOptions opts_;
};

}  // namespace

std::unique_ptr<Remote> make_local_remote(LocalRemoteOptions opts) {
  return std::make_unique<LocalRemote>(std::move(opts));
}

}  // namespace faultline::control
