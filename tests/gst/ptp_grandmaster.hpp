// A minimal PTPv2 (IEEE 1588-2008) grandmaster for tests: an ordinary clock
// that is always master, over UDP/IPv4 multicast (224.0.1.129, event port
// 319, general port 320) on `lo`. It sends Announce, two-step Sync with
// Follow_Up, and answers each Delay_Req with a Delay_Resp: what GStreamer's
// GstPtpClock (a slave) needs. Its time is CLOCK_REALTIME plus an offset of
// the test's choosing, so a test can tell the slave follows it and not the
// machine's clock. Timestamps are taken in software around the socket calls.
//
// Only for use inside a network namespace the test made
// (test_network_namespace.hpp): it sends to the PTP multicast group.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

namespace fixtures {

class PtpGrandmaster {
 public:
  struct Config {
    std::uint8_t domain = 0;
    std::uint64_t clock_identity = 0;  // EUI-64, e.g. 0x0211'22ff'fe33'4455
    std::int64_t offset_ns = 0;        // master time = CLOCK_REALTIME + offset_ns
    std::int8_t log_announce_interval = -3;
    std::int8_t log_sync_interval = -4;
    std::int8_t log_min_delay_req_interval = -4;
  };

  explicit PtpGrandmaster(const Config &config);  // binds and starts sending
  ~PtpGrandmaster();
  PtpGrandmaster(const PtpGrandmaster &) = delete;
  PtpGrandmaster &operator=(const PtpGrandmaster &) = delete;

  // "" once running, else why it is not.
  const std::string &error() const { return error_; }
  // The master's time now, in ns from the PTP epoch.
  std::uint64_t now() const;
  std::uint64_t delay_responses_sent() const { return delay_responses_.load(); }
  std::uint64_t syncs_sent() const { return syncs_.load(); }

 private:
  void run();
  void send_announce();
  void send_sync_and_follow_up();
  void answer(const std::uint8_t *msg, long size, std::uint64_t receive_time);
  bool send(int fd, int port, const std::uint8_t *data, std::size_t size);

  Config config_;
  std::string error_;
  int event_fd_ = -1;    // port 319: Sync out, Delay_Req in
  int general_fd_ = -1;  // port 320: Announce, Follow_Up, Delay_Resp out
  int stop_fd_ = -1;     // eventfd that ends run()
  std::uint16_t announce_seq_ = 0, sync_seq_ = 0;
  std::atomic<std::uint64_t> delay_responses_{0}, syncs_{0};
  std::thread thread_;
};

}  // namespace fixtures
