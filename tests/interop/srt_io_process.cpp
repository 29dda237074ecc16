#include "srt_io_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <system_error>

extern char **environ;

namespace srtcore::io::test {
namespace {

int pidfd_open(pid_t pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

}  // namespace

std::optional<std::string> find_program(const std::string &program) {
  const char *path = std::getenv("PATH");
  if (path == nullptr) return std::nullopt;
  std::string all(path);
  std::size_t start = 0;
  while (start <= all.size()) {
    const std::size_t end = all.find(':', start);
    const std::string dir = all.substr(start, end == std::string::npos ? end : end - start);
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return std::nullopt;
}

ChildProcess::ChildProcess(const std::vector<std::string> &argv) {
  int out[2];
  int err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0)
    throw std::system_error(errno, std::generic_category(), "pipe2");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  std::vector<char *> args;
  for (const auto &a : argv) args.push_back(const_cast<char *>(a.c_str()));
  args.push_back(nullptr);
  const int rc = ::posix_spawn(&pid_, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  ::close(err[1]);
  if (rc != 0) {
    ::close(out[0]);
    ::close(err[0]);
    throw std::system_error(rc, std::generic_category(), "posix_spawn " + argv[0]);
  }
  pidfd_ = pidfd_open(pid_);
  out_thread_ = std::thread([this, fd = out[0]] { collect(fd, true); });
  err_thread_ = std::thread([this, fd = err[0]] { collect(fd, false); });
}

ChildProcess::~ChildProcess() {
  stop();
  if (out_thread_.joinable()) out_thread_.join();
  if (err_thread_.joinable()) err_thread_.join();
  if (pidfd_ >= 0) ::close(pidfd_);
}

void ChildProcess::collect(int fd, bool is_stdout) {
  std::uint8_t buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    std::lock_guard lock(mutex_);
    if (n <= 0) {
      if (is_stdout) stdout_closed_ = true;
      grew_.notify_all();
      break;
    }
    if (is_stdout) {
      stdout_.insert(stdout_.end(), buf, buf + n);
    } else {
      stderr_.append(reinterpret_cast<const char *>(buf), static_cast<std::size_t>(n));
    }
    grew_.notify_all();
  }
  ::close(fd);
}

std::vector<std::uint8_t> ChildProcess::wait_stdout(std::size_t bytes,
                                                    std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  grew_.wait_for(lock, timeout, [&] { return stdout_.size() >= bytes || stdout_closed_; });
  return stdout_;
}

bool ChildProcess::wait_output(const std::string &text, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return grew_.wait_for(lock, timeout, [&] {
    const std::string out(stdout_.begin(), stdout_.end());
    return out.find(text) != std::string::npos || stderr_.find(text) != std::string::npos;
  });
}

std::string ChildProcess::stderr_text() {
  std::lock_guard lock(mutex_);
  return stderr_;
}

std::optional<int> ChildProcess::wait_exit(std::chrono::milliseconds timeout) {
  if (exited_) return status_;
  pollfd p{pidfd_, POLLIN, 0};
  if (pidfd_ < 0 || ::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return std::nullopt;
  reap();
  return status_;
}

int ChildProcess::stop() {
  if (pid_ <= 0 || exited_) return status_;
  ::kill(pid_, SIGTERM);
  pollfd p{pidfd_, POLLIN, 0};
  if (pidfd_ < 0 || ::poll(&p, 1, 5000) != 1) ::kill(pid_, SIGKILL);
  reap();
  return status_;
}

void ChildProcess::reap() {
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  exited_ = true;
  status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace srtcore::io::test
