// libFuzzer target: arbitrary bytes become a sequence of RTP payloads for the
// H.264 Depayloader in every mode and output configuration; whatever comes out
// is checked for well-formed framing and fed on to the Payloader.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "rtp/h264_depayloader.hpp"
#include "rtp/h264_payloader.hpp"

using namespace srtcore;
using namespace srtcore::rtp;
using namespace srtcore::rtp::h264;

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

// Checks every payload it is given fits the configured size.
class CheckingSink final : public PacketSink {
 public:
  explicit CheckingSink(std::size_t max) : max_(max) {}
  std::span<std::uint8_t> begin_packet(std::size_t size) override {
    check(size > 0 && size <= max_);
    buf_.resize(size);
    return buf_;
  }
  void end_packet(bool) override {}

 private:
  std::size_t max_;
  std::vector<std::uint8_t> buf_;
};

void check_output(const DepayOutput &o, const DepayloaderConfig &cfg) {
  check(!o.data.empty());
  if (cfg.alignment == Alignment::kAu) check(o.au_end);
  if (cfg.format == OutputFormat::kByteStream) {
    check(o.data.size() > 4 && o.data[0] == 0 && o.data[1] == 0 && o.data[2] == 0 &&
          o.data[3] == 1);
  } else {
    std::size_t pos = 0;
    while (pos < o.data.size()) {
      check(o.data.size() - pos >= 4);
      const std::size_t len = load_be32(&o.data[pos]);
      check(len > 0 && len <= o.data.size() - pos - 4);
      pos += 4 + len;
    }
  }
}

}  // namespace

// Make undefined behaviour fatal, so the fuzzer reports it as a crash.
extern "C" const char *__ubsan_default_options() {
  return "halt_on_error=1:print_stacktrace=1";
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  Reader in(data, size);
  const std::uint8_t sel = in.u8();
  DepayloaderConfig cfg;
  cfg.format = (sel & 1) ? OutputFormat::kAvc : OutputFormat::kByteStream;
  cfg.alignment = (sel & 2) ? Alignment::kNal : Alignment::kAu;
  const unsigned mode = (sel >> 2) & 3;
  cfg.mode = mode == 0   ? PacketizationMode::kSingleNal
             : mode == 1 ? PacketizationMode::kNonInterleaved
                         : PacketizationMode::kInterleaved;
  cfg.wait_for_keyframe = (sel & 0x10) != 0;
  if (sel & 0x20) cfg.max_fu_size = 64 + in.u8() * 16u;
  if (sel & 0x40) {
    cfg.deinterleave.interleaving_depth = in.u8();
    cfg.deinterleave.max_don_diff = in.u8() * 64u;
    cfg.deinterleave.deint_buf_req = in.u8() * 256u;
  } else {
    cfg.deinterleave.interleaving_depth = 0xffffffffu;  // only the hard caps apply
  }
  Depayloader depay(cfg);
  if (sel & 0x80) depay.set_sprop_parameter_sets("Z0IAH+kCwSI=,aM4G4g==,AAAA,!!");

  PayloaderConfig pcfg;
  pcfg.max_payload = 16 + in.u8();
  pcfg.aggregate = static_cast<AggregateMode>(in.u8() % 3);
  pcfg.config_interval = -1;
  Payloader pay(pcfg);
  CheckingSink sink(pcfg.max_payload);

  auto on_out = [&](const DepayOutput &o) {
    check_output(o, cfg);
    pay.set_input_format(cfg.format == OutputFormat::kAvc ? InputFormat::kAvc
                                                          : InputFormat::kByteStream);
    pay.push(o.data, o.au_end, o.rtp_timestamp, o.keyframe, sink);
  };

  std::uint32_t ts = 0;
  while (!in.empty()) {
    const std::uint8_t flags = in.u8();
    std::size_t len = in.u8();
    if (flags & 0x20) len = (len << 8) | in.u8();
    const ByteSpan payload = in.take(len);
    if (flags & 0x04) ts += 3000;
    if (flags & 0x08) ts -= 3000;  // decoding order is not presentation order
    depay.push(payload, ts, (flags & 0x01) != 0, (flags & 0x02) != 0, on_out);
    if (flags & 0x10) depay.drain(on_out);
    if (flags & 0x40) {
      depay.take_keyframe_request();
      if (depay.take_codec_data_changed() && depay.has_codec_data())
        pay.set_avc_codec_data(depay.codec_data());
    }
    if (flags & 0x80) pay.request_headers();
  }
  depay.drain(on_out);
  pay.flush(sink);
  (void)depay.stats();
  return 0;
}
