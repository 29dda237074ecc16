#include "child.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sstream>
#include <stdexcept>

extern char **environ;

namespace srtbench {

Child::Child(const std::vector<std::string> &argv) {
  int out[2];
  int in[2];
  if (pipe(out) != 0 || pipe(in) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_addclose(&fa, out[0]);
  posix_spawn_file_actions_addclose(&fa, in[1]);
  std::vector<char *> args;
  for (const auto &a : argv) args.push_back(const_cast<char *>(a.c_str()));
  args.push_back(nullptr);
  const int rc = posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(out[1]);
  close(in[0]);
  if (rc != 0) {
    close(out[0]);
    close(in[1]);
    throw std::runtime_error("cannot start " + argv[0]);
  }
  out_ = fdopen(out[0], "r");
  in_fd_ = in[1];
}

Child::~Child() {
  if (!waited_) {
    terminate();
    wait();
  }
  if (out_) std::fclose(out_);
  if (in_fd_ >= 0) close(in_fd_);
}

std::string Child::read_line() {
  std::string line;
  int c;
  while ((c = std::fgetc(out_)) != EOF && c != '\n') line.push_back(static_cast<char>(c));
  return line;
}

void Child::write_line(const std::string &line) {
  const std::string l = line + "\n";
  if (write(in_fd_, l.data(), l.size()) < 0) return;  // the child is gone: nothing to tell
}

void Child::terminate() {
  if (pid_ > 0 && !waited_) kill(pid_, SIGTERM);
}

ChildUsage Child::wait() {
  ChildUsage u;
  if (waited_) return u;
  int status = 0;
  rusage ru{};
  if (wait4(pid_, &status, 0, &ru) == pid_) {
    u.cpu_s = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
              static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    u.max_rss_kb = ru.ru_maxrss;
    u.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  waited_ = true;
  return u;
}

std::map<std::string, std::string> parse_result(const std::string &line) {
  std::map<std::string, std::string> m;
  std::istringstream in(line);
  std::string word;
  in >> word;
  if (word != "result") return m;
  while (in >> word) {
    const auto eq = word.find('=');
    if (eq != std::string::npos) m[word.substr(0, eq)] = word.substr(eq + 1);
  }
  return m;
}

}  // namespace srtbench
