#define GLIB_DISABLE_DEPRECATION_WARNINGS  // GValueArray: the srtsrc stats type
#include "metrics_fixtures.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>
#include <thread>

#include "srtrtp-metrics.h"

namespace mfx {

namespace {

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// The number in a stats structure field of any numeric type.
std::optional<double> number(const GstStructure *s, const char *field) {
  const GValue *v = gst_structure_get_value(s, field);
  if (!v) return std::nullopt;
  GValue d = G_VALUE_INIT;
  g_value_init(&d, G_TYPE_DOUBLE);
  if (G_VALUE_HOLDS_ENUM(v)) return g_value_get_enum(v);
  if (!g_value_transform(v, &d)) return std::nullopt;
  const double out = g_value_get_double(&d);
  g_value_unset(&d);
  return out;
}

const GstStructure *nth(const GstStructure *s, const char *array, int i) {
  const GValue *v = gst_structure_get_value(s, array);
  if (!v || !G_VALUE_HOLDS(v, G_TYPE_VALUE_ARRAY)) return nullptr;
  auto *a = static_cast<GValueArray *>(g_value_get_boxed(v));
  if (!a || static_cast<guint>(i) >= a->n_values) return nullptr;
  return gst_value_get_structure(g_value_array_get_nth(a, static_cast<guint>(i)));
}

}  // namespace

int connect_loopback(std::uint16_t port, int receive_buffer) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  // Before connecting, so the window offered matches the buffer.
  if (receive_buffer > 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  sockaddr_in a = loopback(port);
  if (connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

namespace {

std::uint16_t free_port(int type) {
  int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
  sockaddr_in a = loopback(0);
  bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

}  // namespace

std::uint16_t free_tcp_port() {
  return free_port(SOCK_STREAM);
}
std::uint16_t free_udp_port() {
  return free_port(SOCK_DGRAM);
}

HttpReply http_get(std::uint16_t port, const std::string &path, const std::string &accept,
                   std::chrono::milliseconds timeout) {
  HttpReply reply;
  int fd = connect_loopback(port);
  if (fd < 0) return reply;
  // Connection: close, so that a keep-alive server (Prometheus) ends the reply.
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!accept.empty()) req += "Accept: " + accept + "\r\n";
  req += "\r\n";
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  if (send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    close(fd);
    return reply;
  }
  std::string raw;
  char buf[16384];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    raw.append(buf, static_cast<std::size_t>(n));
  }
  close(fd);
  const auto head_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.1 ", 0) != 0 || head_end == std::string::npos) return reply;
  reply.status = std::atoi(raw.c_str() + 9);
  const std::string head = raw.substr(0, head_end);
  if (auto ct = head.find("Content-Type: "); ct != std::string::npos)
    reply.content_type = head.substr(ct + 14, head.find("\r\n", ct) - ct - 14);
  reply.body = raw.substr(head_end + 4);
  return reply;
}

GstTracer *tracer() {
  static GstTracer *t = srtrtp_metrics_start("127.0.0.1:0");
  return t;
}

std::uint16_t tracer_port() {
  return tracer() ? static_cast<std::uint16_t>(srtrtp_metrics_port(tracer())) : 0;
}

std::uint64_t tracer_responses() {
  guint64 n = 0;
  if (tracer()) g_object_get(tracer(), "responses", &n, nullptr);
  return n;
}

std::vector<Sample> samples(const std::string &exposition, const std::string &name,
                            const std::map<std::string, std::string> &match) {
  std::vector<Sample> out;
  static const std::regex label_re(R"re(([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)")re");
  std::size_t pos = 0;
  while (pos < exposition.size()) {
    std::size_t eol = exposition.find('\n', pos);
    if (eol == std::string::npos) eol = exposition.size();
    const std::string line = exposition.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.empty() || line[0] == '#') continue;
    const auto brace = line.find('{');
    const auto space = line.rfind(' ');
    const std::string metric = line.substr(0, std::min(brace, space));
    if (metric != name) continue;
    Sample s;
    if (brace != std::string::npos) {
      const std::string labels = line.substr(brace + 1, line.rfind('}') - brace - 1);
      for (std::sregex_iterator it(labels.begin(), labels.end(), label_re), end; it != end; ++it)
        s.labels[(*it)[1]] = (*it)[2];
    }
    s.value = std::strtod(line.c_str() + space + 1, nullptr);
    bool ok = true;
    for (const auto &[k, v] : match) ok = ok && s.labels.count(k) && s.labels[k] == v;
    if (ok) out.push_back(std::move(s));
  }
  return out;
}

std::optional<double> value(const std::string &exposition, const std::string &name,
                            const std::map<std::string, std::string> &match) {
  auto all = samples(exposition, name, match);
  if (all.size() != 1) return std::nullopt;
  return all.front().value;
}

bool poll_until(const std::function<bool()> &ok, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!ok()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    // Yield between checks of a real condition; nothing waits on this delay.
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

std::optional<double> stat(GstElement *element, const char *field, int link) {
  GstStructure *s = nullptr;
  g_object_get(element, "stats", &s, nullptr);
  if (!s) return std::nullopt;
  const GstStructure *from = s;
  if (link >= 0)
    from = nth(s, "links", link);
  else if (const GstStructure *c = nth(s, "callers", 0))
    from = c;
  std::optional<double> out = from ? number(from, field) : std::nullopt;
  gst_structure_free(s);
  return out;
}

std::string link_state(GstElement *element, int link) {
  auto v = stat(element, "state", link);
  static const char *const kNames[] = {"pending", "idle", "running", "broken"};
  if (!v || *v < 0 || *v > 3) return "";
  return kNames[static_cast<int>(*v)];
}

Child::Child(const std::vector<std::string> &argv, const std::vector<std::string> &env_extra,
             const std::string &log_path) {
  pid_ = fork();
  if (pid_ != 0) return;
  setpgid(0, 0);
  int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (log >= 0) {
    dup2(log, 1);
    dup2(log, 2);
  }
  for (const auto &kv : env_extra) putenv(strdup(kv.c_str()));
  std::vector<char *> args;
  for (const auto &a : argv) args.push_back(const_cast<char *>(a.c_str()));
  args.push_back(nullptr);
  execvp(args[0], args.data());
  _exit(127);
}

std::optional<int> Child::wait_exit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  std::optional<int> status;
  poll_until(
      [&] {
        int st = 0;
        if (waitpid(pid_, &st, WNOHANG) == pid_) {
          status = st;
          pid_ = -1;
          return true;
        }
        return false;
      },
      timeout);
  return status;
}

Child::~Child() {
  if (pid_ <= 0) return;
  kill(-pid_, SIGTERM);  // its process group: chromium has helpers
  if (!wait_exit(10s)) {
    kill(-pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

std::string find_program(const char *name) {
  gchar *p = g_find_program_in_path(name);
  std::string out = p ? p : "";
  g_free(p);
  return out;
}

std::string scratch_dir(const std::string &name) {
  const char *root = std::getenv("METRICS_SCRATCH_DIR");
  std::string dir = std::string(root ? root : "/tmp") + "/" + name;
  g_mkdir_with_parents(dir.c_str(), 0755);
  return dir;
}

std::size_t rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace mfx
