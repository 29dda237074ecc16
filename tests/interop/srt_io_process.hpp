// A peer program (srt-live-transmit, gst-launch-1.0) run as a child process
// for interop tests: stdout collected by a thread, stderr kept for failure
// messages, SIGTERM on destruction and a pidfd to wait for the exit without
// sleeping.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace srtcore::io::test {

// The absolute path of `program` on PATH, or nullopt.
std::optional<std::string> find_program(const std::string &program);

class ChildProcess {
 public:
  // Starts argv[0] (a path) with stdin from /dev/null; throws
  // std::system_error when it cannot.
  explicit ChildProcess(const std::vector<std::string> &argv);
  ~ChildProcess();  // SIGTERM, then SIGKILL if it has not gone within 5 s
  ChildProcess(const ChildProcess &) = delete;
  ChildProcess &operator=(const ChildProcess &) = delete;

  // Waits until stdout holds at least `bytes` bytes (or the child closed
  // it). Returns what was collected so far.
  std::vector<std::uint8_t> wait_stdout(std::size_t bytes, std::chrono::milliseconds timeout);
  // Waits until stdout or stderr contains `text`.
  bool wait_output(const std::string &text, std::chrono::milliseconds timeout);
  std::string stderr_text();
  // Waits for the child to exit by itself; its exit status (-1 when killed
  // by a signal), or nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  // SIGTERM and wait; the exit status (or -1 when killed by a signal).
  int stop();
  pid_t pid() const { return pid_; }

 private:
  void collect(int fd, bool is_stdout);
  void reap();

  pid_t pid_ = -1;
  int pidfd_ = -1;
  bool exited_ = false;
  int status_ = 0;
  std::mutex mutex_;
  std::condition_variable grew_;
  std::vector<std::uint8_t> stdout_;
  std::string stderr_;
  bool stdout_closed_ = false;
  std::thread out_thread_;
  std::thread err_thread_;
};

}  // namespace srtcore::io::test
