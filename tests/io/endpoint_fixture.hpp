// Helpers for Endpoint tests over loopback: open endpoints, stream indexed
// messages and check that they arrive whole, once and in order.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "io/endpoint.hpp"
#include "message_pattern.hpp"

namespace srtcore::io::test {

inline constexpr std::chrono::milliseconds kGenerous{15'000};

inline EndpointConfig listener_config(const std::string &host = "127.0.0.1") {
  EndpointConfig c;
  c.mode = Mode::kListener;
  c.host = host;
  c.port = 0;
  return c;
}

inline EndpointConfig caller_config(const Endpoint &listener,
                                    const std::string &host = "127.0.0.1") {
  EndpointConfig c;
  c.mode = Mode::kCaller;
  c.host = host;
  c.port = listener.local_address().port;
  return c;
}

inline std::unique_ptr<Endpoint> open_endpoint(const EndpointConfig &c,
                                               EndpointObserver *observer = nullptr,
                                               std::shared_ptr<Reactor> reactor = nullptr) {
  EndpointError error{};
  auto e = Endpoint::open(std::move(reactor), c, observer, &error);
  EXPECT_NE(e, nullptr) << "open failed: " << error.detail;
  return e;
}

// What a receiver saw.
struct Received {
  std::vector<std::uint32_t> indices;
  std::size_t corrupt = 0;
  std::size_t dropped_reported = 0;  // MessageInfo::dropped_before sums
  WaitStatus last_status = WaitStatus::kReady;
};

// Receives until `count` messages came or a wait of `idle` passes with none.
inline Received receive_messages(Endpoint &e, std::size_t count,
                                 std::chrono::milliseconds idle = kGenerous) {
  Received r;
  std::vector<std::uint8_t> buf(1500);
  while (r.indices.size() + r.corrupt < count) {
    WaitStatus st{};
    auto m = e.receive(buf, idle, &st);
    r.last_status = st;
    if (!m) break;
    r.dropped_reported += m->info.dropped_before;
    const auto index = check_message({buf.data(), m->info.size});
    if (index < 0) {
      ++r.corrupt;
    } else {
      r.indices.push_back(static_cast<std::uint32_t>(index));
    }
  }
  return r;
}

// Sends messages [first, first + count) in groups of `group` per send().
inline void send_messages(Endpoint &e, std::uint32_t first, std::uint32_t count,
                          std::size_t group = 8, std::size_t max_size = 1316) {
  std::vector<std::vector<std::uint8_t>> storage;
  std::vector<srt::ByteSpan> spans;
  for (std::uint32_t i = first; i < first + count;) {
    storage.clear();
    spans.clear();
    for (std::size_t k = 0; k < group && i < first + count; ++k, ++i)
      storage.push_back(make_message(i, message_size(i, max_size)));
    for (const auto &m : storage) spans.emplace_back(m.data(), m.size());
    e.send(spans);
  }
}

inline ::testing::AssertionResult all_in_order(const Received &r, std::uint32_t first,
                                               std::uint32_t count) {
  if (r.corrupt != 0) return ::testing::AssertionFailure() << r.corrupt << " corrupt messages";
  if (r.indices.size() != count)
    return ::testing::AssertionFailure()
           << "got " << r.indices.size() << " of " << count << " messages";
  for (std::uint32_t k = 0; k < count; ++k)
    if (r.indices[k] != first + k)
      return ::testing::AssertionFailure() << "position " << k << " holds message " << r.indices[k];
  return ::testing::AssertionSuccess();
}

// `count` messages from a listener's callers: each one's indices by peer.
inline std::map<std::uint32_t, std::vector<std::uint32_t>> receive_per_peer(Endpoint &listener,
                                                                            int count) {
  std::map<std::uint32_t, std::vector<std::uint32_t>> per_peer;
  std::vector<std::uint8_t> buf(1500);
  for (int n = 0; n < count; ++n) {
    WaitStatus st{};
    auto m = listener.receive(buf, kGenerous, &st);
    EXPECT_TRUE(m) << "message " << n;
    if (!m) break;
    const auto index = check_message({buf.data(), m->info.size});
    EXPECT_GE(index, 0);
    if (index >= 0) per_peer[m->socket_id].push_back(static_cast<std::uint32_t>(index));
  }
  return per_peer;
}

// Polls a condition that has no event of its own (stats) until it holds.
template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = kGenerous) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// Records observer callbacks; rejects stream ids starting with "deny".
class RecordingObserver : public EndpointObserver {
 public:
  std::optional<std::uint32_t> on_caller_connecting(const srt::CallerRequest &r) override {
    std::lock_guard lock(mutex);
    requests.push_back(r.stream_id);
    if (r.stream_id.rfind("deny", 0) == 0) return 1403;
    return std::nullopt;
  }
  void on_connected(const PeerInfo &p, const srt::Negotiated &) override {
    std::lock_guard lock(mutex);
    connected.push_back(p);
    cv.notify_all();
  }
  void on_rejected(const PeerInfo &p, std::uint32_t code) override {
    std::lock_guard lock(mutex);
    rejected.emplace_back(p, code);
    cv.notify_all();
  }
  void on_disconnected(const PeerInfo &p, const std::string &detail) override {
    std::lock_guard lock(mutex);
    disconnected.emplace_back(p, detail);
    cv.notify_all();
  }
  template <typename Pred>
  bool wait(Pred pred) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, kGenerous, pred);
  }

  std::mutex mutex;
  std::condition_variable cv;
  std::vector<std::string> requests;
  std::vector<PeerInfo> connected;
  std::vector<std::pair<PeerInfo, std::uint32_t>> rejected;
  std::vector<std::pair<PeerInfo, std::string>> disconnected;
};

}  // namespace srtcore::io::test
