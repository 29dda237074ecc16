// libFuzzer target: arbitrary bytes become G.722 RTP payloads for the
// depayloader's parser (g722::check_payload / payload_ticks, any channel
// count); accepted payloads are fed, with fuzzed times and packet-time
// settings, to the payloader, whose packets must stay within the limits, come
// in whole 10 ms steps (except the last before a drain or discontinuity),
// keep RTP time moving forward and carry every byte in order.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "rtp/audio_payloader.hpp"
#include "rtp/g722_payload.hpp"

using namespace srtcore;
using namespace srtcore::rtp;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

class Reader {
 public:
  Reader(const std::uint8_t *data, std::size_t size) : data_(data), size_(size) {}
  bool empty() const { return pos_ >= size_; }
  std::uint8_t u8() { return pos_ < size_ ? data_[pos_++] : 0; }
  ByteSpan take(std::size_t n) {
    if (n > size_ - pos_) n = size_ - pos_;
    ByteSpan s(data_ + pos_, n);
    pos_ += n;
    return s;
  }

 private:
  const std::uint8_t *data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

constexpr std::int64_t kMs = 1'000'000;

}  // namespace

extern "C" const char *__ubsan_default_options() {
  return "halt_on_error=1:print_stacktrace=1";
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  Reader in(data, size);
  const unsigned channels = in.u8() % 4;  // 0 is nonsense caps: must be refused
  audio::PtimeSettings s;
  s.min_ptime = (in.u8() % 8) * 10 * kMs;
  s.max_ptime = in.u8() % 8 == 0 ? -1 : (in.u8() % 8) * 7 * kMs;
  s.ptime = in.u8() % 4 == 0 ? (in.u8() % 8) * 10 * kMs : 0;
  s.ptime_multiple = (in.u8() % 4) * 10 * kMs;
  s.max_payload = 16 + in.u8() * 4u;
  audio::FramePayloader pay(g722::kFormat);
  if (!pay.configure(s)) {
    check(s.max_payload < g722::kFormat.frame_bytes);
    return 0;
  }
  const audio::PacketLimits lim = pay.limits();

  std::vector<std::uint8_t> sent, got;
  std::int64_t pts = 0;
  std::uint32_t last_rtp = 0, last_ticks = 0;
  bool have_last = false;
  auto on_packet = [&](const audio::AudioPacket &p) {
    check(p.size() > 0 && p.size() <= s.max_payload && p.tail.empty());
    check(p.size() <= lim.max_frames * g722::kFormat.frame_bytes);
    check(p.ticks == g722::payload_ticks(p.size(), 1));
    if (have_last) {
      check(static_cast<std::int32_t>(p.rtp_time - last_rtp) >=
            static_cast<std::int32_t>(last_ticks));
    }
    have_last = true;
    last_rtp = p.rtp_time;
    last_ticks = p.ticks;
    got.insert(got.end(), p.frames.begin(), p.frames.end());
  };

  while (!in.empty()) {
    const std::uint8_t flags = in.u8();
    const ByteSpan payload = in.take(in.u8() * ((flags & 0x10) ? 8u : 1u));
    const auto c = g722::check_payload(payload.size(), channels);
    if (payload.empty()) check(c == g722::PayloadCheck::kEmpty);
    if (channels == 0 && !payload.empty()) check(c == g722::PayloadCheck::kBadLength);
    if (c != g722::PayloadCheck::kOk) continue;
    check(payload.size() % channels == 0);
    check(g722::payload_ticks(payload.size(), channels) * channels == payload.size());
    sent.insert(sent.end(), payload.begin(), payload.end());
    if (flags & 0x01) pts += (flags >> 5) * 10 * kMs;  // gap
    if (flags & 0x02) pts -= 30 * kMs;                 // time going back
    pay.push(payload, {}, audio::InputTime{pts, 99, (flags & 0x04) != 0}, on_packet);
    pts += static_cast<std::int64_t>(payload.size()) * kMs / 8;
    if (flags & 0x08) pay.drain(on_packet);
  }
  pay.drain(on_packet);
  check(got == sent);
  check(pay.queued_bytes() == 0);
  check(g722::sample_rate_for_clock(8000) == 16000);
  return 0;
}
