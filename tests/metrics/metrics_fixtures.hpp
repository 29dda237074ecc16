// Helpers for the srtrtp-metrics tests: a plain HTTP client on loopback, the
// process-wide tracer, reading the exposition, child processes we own, and
// polling with deadlines (no sleeps).
#pragma once

#include <gst/gst.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mfx {

using namespace std::chrono_literals;
constexpr auto kWait = std::chrono::seconds(30);  // generous: only a broken build hits it

struct HttpReply {
  int status = 0;  // 0: no reply
  std::string content_type;
  std::string body;
};

// GET http://127.0.0.1:port/path with an optional Accept header.
HttpReply http_get(std::uint16_t port, const std::string &path, const std::string &accept = "",
                   std::chrono::milliseconds timeout = 10s);

// A connected TCP socket to 127.0.0.1:port (-1 on failure), with that
// SO_RCVBUF when > 0; the caller closes it.
int connect_loopback(std::uint16_t port, int receive_buffer = 0);
// A TCP / UDP port on 127.0.0.1 that was free a moment ago.
std::uint16_t free_tcp_port();
std::uint16_t free_udp_port();

// The tracer every test of the process scrapes (started once, port 0).
GstTracer *tracer();
std::uint16_t tracer_port();
std::uint64_t tracer_responses();

// Samples of one metric name whose labels include `match`: labels -> value.
struct Sample {
  std::map<std::string, std::string> labels;
  double value = 0;
};
std::vector<Sample> samples(const std::string &exposition, const std::string &name,
                            const std::map<std::string, std::string> &match = {});
std::optional<double> value(const std::string &exposition, const std::string &name,
                            const std::map<std::string, std::string> &match = {});

// Polls `ok` until it holds or `timeout` passes.
bool poll_until(const std::function<bool()> &ok, std::chrono::milliseconds timeout = kWait);

// A numeric field of an element's `stats` (for a listener with callers, of
// its first caller; `link` >= 0: of that bonded link).
std::optional<double> stat(GstElement *element, const char *field, int link = -1);
std::string link_state(GstElement *element, int link);

// A child process we started; killed (SIGTERM, then SIGKILL) and reaped on destruction.
class Child {
 public:
  Child(const std::vector<std::string> &argv, const std::vector<std::string> &env_extra,
        const std::string &log_path);
  ~Child();
  Child(const Child &) = delete;
  Child &operator=(const Child &) = delete;
  bool running() const { return pid_ > 0; }
  // Waits for it to exit; its status, or nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
};

// Path of a program on PATH, "" when missing.
std::string find_program(const char *name);
// The test's scratch directory under the build tree (created).
std::string scratch_dir(const std::string &name);
// Resident set size of this process in bytes.
std::size_t rss_bytes();

}  // namespace mfx
