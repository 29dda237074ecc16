// RTP time from a real GstPtpClock (gstreamer-net, through GStreamer's own
// gst-ptp-helper process) synced to our PTPv2 grandmaster
// (ptp_grandmaster.hpp): the slave follows the master, two payloaders on the
// PTP clock agree to the sample and name the grandmaster in a-ts-refclk, and
// rtpjitterbuffer rfc7273-sync, which makes its own PTP clock from those
// caps, lines audio and video up.
//
// PTP is multicast on the fixed ports 319/320, so each test runs in a child
// process in a network namespace of its own (test_network_namespace.hpp),
// with nothing but `lo`: the master, the helper and the pipelines see only
// each other.
#include <gst/gst.h>
#include <gst/net/gstptpclock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "media_clock_fixtures.hpp"
#include "ptp_grandmaster.hpp"
#include "test_network_namespace.hpp"

using namespace fixtures;

namespace {

// Our grandmaster: domain 7 (not the default 0, so the slave must pick the
// domain it is told), a locally administered EUI-64, and a time one day and
// 0.123456789 s ahead of this machine's, so that a slave following the
// machine's clock instead of the master fails every check.
constexpr std::uint8_t kDomain = 7;
constexpr std::uint64_t kMasterId = 0x0250c2fffe7a1d93ULL;
// RFC 7273 section 4.8: ptp=IEEE1588-2008:<EUI-64 as 8 hex pairs>:<domain>.
constexpr const char *kMasterRefclk = "ptp=IEEE1588-2008:02-50-C2-FF-FE-7A-1D-93:7";
constexpr std::uint64_t kSlaveId = 0x0250c2fffe000001ULL;
constexpr std::int64_t kMasterAhead = 86400 * static_cast<std::int64_t>(GST_SECOND) + 123456789;

// Parent side of every test here: reruns the test in a child in a new
// network namespace and reports its result. True in the parent.
bool ran_in_child() {
  if (in_test_netns()) return false;
  const std::string error = run_current_test_in_new_netns();
  EXPECT_EQ(error, "") << "the PTP test in its own network namespace";
  return true;
}

// The child's PTP world: lo with multicast, our grandmaster, GStreamer's PTP
// subsystem (its helper process is spawned here, in this namespace) and a
// GstPtpClock for our domain, synced.
class PtpSession {
 public:
  PtpSession() = default;
  PtpSession(const PtpSession &) = delete;
  PtpSession &operator=(const PtpSession &) = delete;
  ~PtpSession() {
    if (stats_id_) gst_ptp_statistics_callback_remove(stats_id_);
    clock_.reset();
    // No gst_ptp_deinit(): in GStreamer 1.22 it frees each domain's data
    // twice (once from domain_data, again from domain_clocks, which holds
    // the same pointers) and aborts. The child process ends right after the
    // test; gst-ptp-helper exits on the EOF of its stdin pipe.
  }

  // Fatal test failures when any step does not work.
  void start() {
    ASSERT_EQ(enable_loopback_multicast(), "");
    PtpGrandmaster::Config config;
    config.domain = kDomain;
    config.clock_identity = kMasterId;
    config.offset_ns = kMasterAhead;
    master_ = std::make_unique<PtpGrandmaster>(config);
    ASSERT_EQ(master_->error(), "");
    ASSERT_TRUE(gst_ptp_is_supported()) << "gstreamer-net was built without PTP support";
    gchar lo[] = "lo";
    gchar *interfaces[] = {lo, nullptr};
    ASSERT_TRUE(gst_ptp_init(kSlaveId, interfaces))
        << "gst_ptp_init failed: is gst-ptp-helper (package libgstreamer1.0-0) installed?";
    stats_id_ = gst_ptp_statistics_callback_add(on_stats, this, nullptr);
    clock_.reset(gst_ptp_clock_new("ptp-test-clock", kDomain));
    ASSERT_NE(clock_, nullptr);
    ASSERT_TRUE(gst_clock_wait_for_sync(clock_.get(), 10 * GST_SECOND))
        << "no PTP sync in 10 s; master sent " << master_->syncs_sent() << " Sync, "
        << master_->delay_responses_sent() << " Delay_Resp";
    // Synced is one exchange; a few more give the slave's median filter
    // and rate estimate something to work with.
    ASSERT_TRUE(wait_for_updates(10)) << "the slave stopped accepting exchanges";
  }

  GstClock *clock() const { return clock_.get(); }
  const PtpGrandmaster &master() const { return *master_; }

  // Waits for `n` more accepted time updates of our domain (each one a
  // completed Sync / Follow_Up / Delay_Req / Delay_Resp exchange).
  bool wait_for_updates(unsigned n) {
    std::unique_lock<std::mutex> lock(mutex_);
    const unsigned target = updates_ + n;
    return cond_.wait_for(lock, std::chrono::seconds(10), [&] { return updates_ >= target; });
  }
  GstClockTime mean_path_delay() {
    std::lock_guard<std::mutex> lock(mutex_);
    return mean_path_delay_;
  }

  // How far the slave's time may be from the master's. One Sync/Delay_Req
  // exchange gives the offset to within half the difference of its two
  // one-way delays, so within its path delay (half its round trip), which
  // the slave measures and reports. The clock blends the exchanges it
  // accepted (it drops those with a path delay over twice the median or the
  // average) by a linear regression, extrapolated to now: twice the largest
  // path delay of an accepted exchange, plus 100 us, covers that. Both ends
  // timestamp in software (the slave when gst-ptp-helper has passed the
  // message through a pipe), so path delays are 100-400 us here and some ms
  // when the cores are busy; a slave that ignored the master would be a day
  // off.
  GstClockTimeDiff sync_bound() {
    std::lock_guard<std::mutex> lock(mutex_);
    return 2 * static_cast<GstClockTimeDiff>(max_path_delay_) + 100 * GST_USECOND;
  }

 private:
  // From GStreamer's PTP thread.
  static gboolean on_stats(guint8 domain, const GstStructure *stats, gpointer self_ptr) {
    auto *self = static_cast<PtpSession *>(self_ptr);
    if (domain != kDomain) return TRUE;
    std::lock_guard<std::mutex> lock(self->mutex_);
    GstClockTime delay = 0;
    if (gst_structure_get_clock_time(stats, "mean-path-delay-avg", &delay))
      self->mean_path_delay_ = delay;
    // Each exchange's own path delay comes just before its time update,
    // which only exchanges the slave accepted get: the bound counts those.
    if (gst_structure_has_name(stats, GST_PTP_STATISTICS_PATH_DELAY_MEASURED) &&
        gst_structure_get_clock_time(stats, "mean-path-delay", &delay))
      self->last_path_delay_ = delay;
    if (gst_structure_has_name(stats, GST_PTP_STATISTICS_TIME_UPDATED))
      self->max_path_delay_ = std::max(self->max_path_delay_, self->last_path_delay_);
    gboolean synced = FALSE;
    if (gst_structure_has_name(stats, GST_PTP_STATISTICS_TIME_UPDATED) &&
        gst_structure_get_boolean(stats, "synced", &synced) && synced) {
      ++self->updates_;
      self->cond_.notify_all();
    }
    return TRUE;
  }

  std::unique_ptr<PtpGrandmaster> master_;
  ClockPtr clock_;
  gulong stats_id_ = 0;
  std::mutex mutex_;
  std::condition_variable cond_;
  unsigned updates_ = 0;
  GstClockTime mean_path_delay_ = 0;
  GstClockTime last_path_delay_ = 0;
  GstClockTime max_path_delay_ = 0;  // of the exchanges the slave used
};

}  // namespace

TEST(PtpMediaClock, SlaveFollowsOurGrandmaster) {
  if (ran_in_child()) return;
  PtpSession s;
  ASSERT_NO_FATAL_FAILURE(s.start());
  guint64 grandmaster = 0, master = 0;
  g_object_get(s.clock(), "grandmaster-clock-id", &grandmaster, "master-clock-id", &master,
               nullptr);
  EXPECT_EQ(grandmaster, kMasterId);
  EXPECT_EQ(master, kMasterId);
  EXPECT_GT(s.master().delay_responses_sent(), 0u);  // it measured the path through us
  // Our master serves domain 7 only: a clock for domain 0 has nothing (with
  // 7 here this check fails: that clock is synced at once).
  ClockPtr other_domain(gst_ptp_clock_new("ptp-domain-0", 0));
  ASSERT_NE(other_domain, nullptr);
  EXPECT_FALSE(gst_clock_is_synced(other_domain.get()));

  // The slave's time read between two readings of the master's.
  for (int i = 0; i < 5; ++i) {
    const std::uint64_t before = s.master().now();
    const GstClockTime slave = gst_clock_get_time(s.clock());
    const std::uint64_t after = s.master().now();
    const GstClockTimeDiff bound = s.sync_bound();
    EXPECT_GE(GST_CLOCK_DIFF(before, slave), -bound) << "slave behind the master";
    EXPECT_LE(GST_CLOCK_DIFF(after, slave), bound) << "slave ahead of the master";
    std::printf("[ PTP ] slave - master: %lld .. %lld ns, bound %lld ns, mean path delay %llu ns\n",
                static_cast<long long>(GST_CLOCK_DIFF(after, slave)),
                static_cast<long long>(GST_CLOCK_DIFF(before, slave)),
                static_cast<long long>(bound),
                static_cast<unsigned long long>(s.mean_path_delay()));
    if (i + 1 < 5) {
      ASSERT_TRUE(s.wait_for_updates(1));
    }
  }
}

TEST(PtpMediaClock, PayloadersOnThePtpClockAgreeToTheSample) {
  if (ran_in_child()) return;
  PtpSession s;
  ASSERT_NO_FATAL_FAILURE(s.start());

  // The element's base time is the PTP clock's now (off any tick grid); the
  // master's time around that reading bounds what the RTP time must be.
  const std::uint64_t before = s.master().now();
  const GstClockTime base = gst_clock_get_time(s.clock());
  const std::uint64_t after = s.master().now();
  const GstClockTimeDiff bound = s.sync_bound();
  auto audio = make_clocked_pay("rtpg722pay2", kG722Caps, s.clock(), base);
  auto video = make_clocked_pay("rtph264pay2", kH264Caps, s.clock(), base);
  constexpr int kFrames = 10;  // 40 ms video frames, 20 ms audio buffers
  for (int i = 0; i < 2 * kFrames; ++i)
    ASSERT_EQ(gst_harness_push(audio.get(), g722_20ms(i * 20 * GST_MSECOND)), GST_FLOW_OK);
  for (int j = 0; j < kFrames; ++j)
    ASSERT_EQ(gst_harness_push(video.get(), h264_au(j * 40 * GST_MSECOND)), GST_FLOW_OK);

  // Both name our grandmaster and domain (RFC 7273), whose clock id the
  // slave learnt from the Announce messages.
  EXPECT_EQ(caps_field(audio.get(), "a-ts-refclk"), kMasterRefclk);
  EXPECT_EQ(caps_field(video.get(), "a-ts-refclk"), kMasterRefclk);
  EXPECT_EQ(caps_field(audio.get(), "a-mediaclk"), "direct=0");
  EXPECT_EQ(caps_field(video.get(), "a-mediaclk"), "direct=0");

  const auto a = pull_all(audio.get());
  const auto v = pull_all(video.get());
  ASSERT_EQ(a.size(), 2u * kFrames);
  std::vector<std::uint32_t> frame_ts;
  for (const Rtp &p : v)
    if (frame_ts.empty() || frame_ts.back() != p.ts) frame_ts.push_back(p.ts);
  ASSERT_EQ(frame_ts.size(), static_cast<std::size_t>(kFrames));

  for (int j = 0; j < kFrames; ++j) {
    const GstClockTime pts = j * 40 * GST_MSECOND, t = base + pts;
    EXPECT_EQ(a[2 * j].ts, expected_rtp(t, 8000)) << "audio buffer " << 2 * j;
    EXPECT_EQ(frame_ts[j], expected_rtp(t, 90000)) << "video frame " << j;
    // The same instant read back from either stream: less than one audio
    // sample apart (each truncates to its own clock's tick).
    const GstClockTime at = unwrapped_ns(a[2 * j].ts, 8000, t);
    const GstClockTime vt = unwrapped_ns(frame_ts[j], 90000, t);
    EXPECT_LT(std::llabs(GST_CLOCK_DIFF(at, vt)), static_cast<long long>(GST_SECOND / 8000))
        << "frame " << j;
    // And it is the grandmaster's time of that instant, not the machine's.
    EXPECT_GE(GST_CLOCK_DIFF(before + pts, at), -bound - GST_SECOND / 8000) << "frame " << j;
    EXPECT_LE(GST_CLOCK_DIFF(after + pts, at), bound) << "frame " << j;
  }
}

TEST(PtpMediaClock, JitterBufferRfc7273SyncLinesUpAudioAndVideo) {
  if (ran_in_child()) return;
  if (!gst_registry_check_feature_version(gst_registry_get(), "rtpjitterbuffer", 1, 22, 0))
    GTEST_SKIP() << "rtpjitterbuffer (gst-plugins-good) is not installed";
  PtpSession s;
  ASSERT_NO_FATAL_FAILURE(s.start());

  // Each jitter buffer makes its own GstPtpClock for the domain in the caps
  // (it shares the PTP subsystem set up above) and maps RTP time through it.
  Rfc7273Run run;
  run_rfc7273_sync(s.clock(), true, &run);
  if (HasFatalFailure()) return;
  ASSERT_EQ(run.audio_out.size(), run.audio_in.size()) << describe(run);
  ASSERT_EQ(run.video_out.size(), run.video_in.size()) << describe(run);
  // One audio tick for the jitter buffer's rounding, as with NTP, plus the
  // slave's sync bound: the clock's calibration moves with each exchange
  // between sending and receiving.
  constexpr GstClockTimeDiff kAudioTick = GST_SECOND / 8000;
  const GstClockTimeDiff bound = kAudioTick + s.sync_bound();
  EXPECT_LE(worst_misalignment(run), bound) << describe(run);
  std::printf("[ PTP ] rfc7273-sync worst misalignment %lld ns, bound %lld ns\n",
              static_cast<long long>(worst_misalignment(run)), static_cast<long long>(bound));
  // The depayloaders know the sender's clock from a-ts-refclk: latency.
  EXPECT_TRUE(run.audio_latency.has_value());
  EXPECT_TRUE(run.video_latency.has_value());

  // Without rtptime-from-clock the same check fails: RTP time has a random
  // offset and the caps name no clock, so the jitter buffers go by arrival.
  Rfc7273Run off;
  run_rfc7273_sync(s.clock(), false, &off);
  if (HasFatalFailure()) return;
  EXPECT_GT(worst_misalignment(off), bound) << describe(off);
}
