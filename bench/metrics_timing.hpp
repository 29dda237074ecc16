// Turns srtrtp-metrics' buffer timing on and off inside one process, for
// bench-rtp --tracer-cost: on = an application-owned endpoint that has been
// scraped once (elements time buffers from then on), off = no endpoint.
// Comparing the same element both ways in one process, run by run, leaves
// out the process-to-process noise of GST_TRACERS runs.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

#include "srtrtp-metrics.h"

namespace bench {

class MetricsTiming {
 public:
  MetricsTiming() = default;
  MetricsTiming(const MetricsTiming &) = delete;
  MetricsTiming &operator=(const MetricsTiming &) = delete;
  ~MetricsTiming() { off(); }

  void on() {
    if (tracer_) return;
    tracer_ = srtrtp_metrics_start("127.0.0.1:0");
    if (!tracer_ || srtrtp_metrics_port(tracer_) == 0)
      throw std::runtime_error("srtrtp-metrics: no endpoint (plugin missing?)");
    scrape(static_cast<std::uint16_t>(srtrtp_metrics_port(tracer_)));
  }
  void off() {
    if (tracer_) gst_object_unref(tracer_);
    tracer_ = nullptr;
  }

 private:
  // One GET /metrics, read to the end (the server closes).
  static void scrape(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error("socket");
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const std::string req = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    bool ok = ::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0 &&
              ::send(fd, req.data(), req.size(), 0) == static_cast<ssize_t>(req.size());
    char buf[4096];
    std::string head;
    for (ssize_t n; ok && (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
      if (head.size() < 16) head.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    if (!ok || head.rfind("HTTP/1.1 200", 0) != 0)
      throw std::runtime_error("srtrtp-metrics: scrape failed");
  }

  GstTracer *tracer_ = nullptr;
};

}  // namespace bench
