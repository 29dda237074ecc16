// A minimal HTTP/1.1 server on GIO's GSocketService, run by its own thread
// and GLib main context so that no client can stall a streaming thread.
// Every connection is bounded: request head size, total time from accept to
// the end of the response, and the number of connections at once. One
// request per connection (Connection: close).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace srtrtp::metrics {

struct HttpRequest {
  std::string method;
  std::string path;    // without the query
  std::string accept;  // the Accept header, lower case
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

struct HttpLimits {
  std::size_t max_request_head = 8192;  // bytes up to the blank line
  unsigned max_connections = 32;        // more are closed at once
  unsigned timeout_ms = 5000;           // accept to last byte written
};

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest &)>;

  // Listens on `address` ("host:port", port 0 picks one). Null with `error`
  // set when the address does not parse or cannot be bound.
  static std::unique_ptr<HttpServer> start(const std::string &address, Handler handler,
                                           HttpLimits limits, std::string *error);
  ~HttpServer();
  HttpServer(const HttpServer &) = delete;
  HttpServer &operator=(const HttpServer &) = delete;

  std::uint16_t port() const { return port_; }
  std::uint64_t responses() const { return responses_.load(); }
  std::uint64_t refused() const { return refused_.load(); }
  std::uint64_t timed_out() const { return timed_out_.load(); }
  unsigned open_connections() const { return open_.load(); }

  class Impl;

 private:
  HttpServer() = default;
  std::unique_ptr<Impl> impl_;
  std::uint16_t port_ = 0;
  std::atomic<std::uint64_t> responses_{0};
  std::atomic<std::uint64_t> refused_{0};
  std::atomic<std::uint64_t> timed_out_{0};
  std::atomic<unsigned> open_{0};
  friend class Impl;
};

}  // namespace srtrtp::metrics
