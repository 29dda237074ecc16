// libFuzzer target: arbitrary bytes become G.729 RTP payloads for the
// depayloader's parser (g729::check_payload / split); what it accepts is fed,
// with fuzzed times and packet-time settings, to the payloader, whose packets
// must obey RFC 3551 (10-byte frames, at most one SID and only at the end),
// the limits, and keep every speech byte in order.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "rtp/audio_payloader.hpp"
#include "rtp/g729_payload.hpp"

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
  audio::PtimeSettings s;
  s.min_ptime = (in.u8() % 8) * 10 * kMs;
  s.max_ptime = in.u8() % 8 == 0 ? -1 : (in.u8() % 8) * 7 * kMs;
  s.ptime = in.u8() % 4 == 0 ? (in.u8() % 8) * 10 * kMs : 0;
  s.ptime_multiple = (in.u8() % 4) * 10 * kMs;
  s.max_payload = 16 + in.u8();
  audio::FramePayloader pay(g729::kFormat);
  check(pay.configure(s));
  const audio::PacketLimits lim = pay.limits();

  std::vector<std::uint8_t> sent, got;
  std::int64_t pts = 0;
  std::uint32_t last_rtp = 0, last_ticks = 0;
  bool have_last = false;
  auto on_packet = [&](const audio::AudioPacket &p) {
    check(p.size() > 0 && p.size() <= s.max_payload);
    check(p.frames.size() % g729::kFrameBytes == 0);
    check(p.tail.empty() || p.tail.size() == g729::kSidBytes);
    check(p.frames.size() / g729::kFrameBytes + (p.tail.empty() ? 0 : 1) <= lim.max_frames);
    // What the payloader sends, the depayloader's parser accepts as it is.
    std::vector<std::uint8_t> payload(p.frames.begin(), p.frames.end());
    payload.insert(payload.end(), p.tail.begin(), p.tail.end());
    check(g729::check_payload(payload.size()) == g729::PayloadCheck::kOk);
    const auto f = g729::split(payload);
    check(f && f->speech.size() == p.frames.size() && f->ticks() == p.ticks);
    if (have_last)
      check(static_cast<std::int32_t>(p.rtp_time - last_rtp) >=
            static_cast<std::int32_t>(last_ticks));
    have_last = true;
    last_rtp = p.rtp_time;
    last_ticks = p.ticks;
    got.insert(got.end(), p.frames.begin(), p.frames.end());
  };

  while (!in.empty()) {
    const std::uint8_t flags = in.u8();
    const ByteSpan payload = in.take(in.u8());
    const auto c = g729::check_payload(payload.size());
    const auto f = g729::split(payload);
    check(f.has_value() == (c != g729::PayloadCheck::kBadLength));
    if (c == g729::PayloadCheck::kEmpty) check(f->speech.empty() && f->sid.empty());
    if (!f) continue;
    check(f->speech.size() + f->sid.size() == payload.size());
    check(f->sid.empty() || f->sid.data() == payload.data() + payload.size() - 2);
    sent.insert(sent.end(), f->speech.begin(), f->speech.end());
    if (flags & 0x01) pts += (flags >> 4) * 10 * kMs;  // DTX gap
    if (flags & 0x02) pts -= 30 * kMs;                 // time going back
    pay.push(f->speech, f->sid, audio::InputTime{pts, 1234, (flags & 0x04) != 0}, on_packet);
    pts += f->ticks() * kMs / 8;
    if (flags & 0x08) pay.drain(on_packet);
  }
  pay.drain(on_packet);
  check(got == sent);
  check(pay.queued_bytes() == 0);
  return 0;
}
