// libFuzzer target: SRT's FEC packet filter on arbitrary input. The first
// bytes choose a matrix (cols, rows, layout); the rest is a sequence of
// datagrams (2-byte length prefix each), data or FEC (message number 0),
// fed to a FecReceiver as a peer would send them, and the SRTO_PACKETFILTER
// string parser and negotiation on the same bytes. Rebuilt packets must
// stay within the payload limit; the receiver's memory never grows.
#include <cstdint>
#include <algorithm>
#include <cstdlib>
#include <string_view>

#include "srt/fec_packet.hpp"
#include "srt/fec_receiver.hpp"
#include "srt/filter_config.hpp"
#include "srt/packet.hpp"
#include "srt/seq.hpp"

using namespace srtcore::srt;

namespace {

constexpr std::size_t kLimit = 1316;

struct Sink final : FecSink {
  void on_rebuilt(const DataHeader &, ByteSpan payload) override {
    if (payload.empty() || payload.size() > kLimit) std::abort();
  }
  void on_unrecoverable(std::uint32_t, std::uint32_t) override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char *>(data), size);
  if (const auto c = parse_filter_config(text)) (void)check_fec_config(*c, false);
  (void)negotiate_filter("fec,cols:4", text);
  if (size < 4) return 0;
  FecParams p;
  p.cols = 2 + data[0] % 12;
  const int r = data[1] % 8;
  p.rows = r < 2 ? 1 : (data[1] & 0x80 ? -r : r);
  p.staircase = (data[2] & 1) != 0;
  const std::uint32_t isn = 0x7FFFFFF0u + data[3] % 32;
  FecReceiver rcv(p, isn & kSeqMask, kLimit);
  const std::size_t window = rcv.window();
  Sink sink;
  std::size_t at = 4;
  while (at + 2 <= size) {
    const std::size_t len = (std::size_t{data[at]} << 8 | data[at + 1]) % 1500;
    at += 2;
    const ByteSpan d(data + at, std::min(len, size - at));
    at += d.size();
    const auto v = parse_data_packet(d);
    if (!v) continue;
    if (is_fec_packet(v->header)) {
      (void)rcv.on_fec(v->header, v->payload, sink);
    } else {
      rcv.on_data(v->header, v->payload, sink);
    }
    if (rcv.window() != window) std::abort();
  }
  return 0;
}
