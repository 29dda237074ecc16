// Child processes for the benchmark: each transport side runs in its own
// process so wait4() reports its CPU time and peak RSS alone.
#pragma once

#include <sys/types.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace srtbench {

struct ChildUsage {
  double cpu_s = 0;     // user + system
  long max_rss_kb = 0;  // ru_maxrss
  int exit_code = -1;
};

class Child {
 public:
  // Starts `argv` with stdout on a pipe; stderr is inherited.
  explicit Child(const std::vector<std::string> &argv);
  ~Child();
  Child(const Child &) = delete;
  Child &operator=(const Child &) = delete;

  // The next stdout line (without newline); empty at EOF.
  std::string read_line();
  // Writes a line to the child's stdin (linkemu commands).
  void write_line(const std::string &line);
  void terminate();
  ChildUsage wait();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::FILE *out_ = nullptr;
  int in_fd_ = -1;
  bool waited_ = false;
};

// "result a=1 b=x" -> {a:1, b:x}; other lines give an empty map.
std::map<std::string, std::string> parse_result(const std::string &line);

}  // namespace srtbench
