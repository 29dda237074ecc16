// A minimal NTPv4 server on 127.0.0.1 for tests: answers each client request
// with this machine's real time, so that GstNtpClock objects (the pipeline's
// and rtpjitterbuffer's own, made from a-ts-refclk) sync without a network.
#pragma once

#include <gio/gio.h>

#include <thread>

namespace fixtures {

class LoopbackNtpServer {
 public:
  LoopbackNtpServer();  // binds an ephemeral port and starts answering
  ~LoopbackNtpServer();
  LoopbackNtpServer(const LoopbackNtpServer &) = delete;
  LoopbackNtpServer &operator=(const LoopbackNtpServer &) = delete;

  bool ok() const { return socket_ != nullptr; }
  int port() const { return port_; }

 private:
  void serve();

  GSocket *socket_ = nullptr;
  GCancellable *cancel_ = nullptr;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace fixtures
