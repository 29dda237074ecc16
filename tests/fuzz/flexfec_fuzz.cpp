// libFuzzer target: the FlexFEC (RFC 8627) parser and decoder on arbitrary
// input. The parser must round-trip what it accepts (write then parse gives
// the same header); the rest of the input is a sequence of packets (a flag
// byte: source or repair, a time step; a 2-byte length; the bytes) fed to a
// FlexFecDecoder as the element's pads would. Rebuilt packets must be RTP
// within the payload limit; held repair packets stay within their slots.
#include <cstdint>
#include <algorithm>
#include <cstdlib>
#include <span>
#include <vector>

#include "fec/flexfec_decoder.hpp"
#include "fec/flexfec_header.hpp"
#include "rtp/rtp_header.hpp"

using namespace srtcore::fec;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  if (size < 1) return 0;
  const FlexFecParse p = parse_flexfec(std::span(data, size));
  if (p.error == FlexFecParseError::none) {
    const FlexFecHeader &h = p.packet.header;
    std::vector<std::uint8_t> out(flexfec_header_size(h));
    if (write_flexfec_header(out.data(), h) != out.size()) std::abort();
    std::vector<std::uint32_t> ssrcs;
    for (std::size_t i = 0; i < h.stream_count; ++i) ssrcs.push_back(h.streams[i].ssrc);
    FlexFecHeader back;
    std::size_t n = 0;
    if (parse_flexfec_header(out, ssrcs, back, n) != FlexFecParseError::none || !(back == h))
      std::abort();
  }
  FlexFecDecoderConfig cfg;
  cfg.max_payload = 1460;
  cfg.hold_ns = 1'000'000;
  cfg.window = std::size_t{64} << (data[0] % 6);
  cfg.fec_slots = 1 + data[0] % 64;
  cfg.max_streams = 1 + (data[0] >> 6);
  FlexFecDecoder dec(cfg);
  std::uint64_t now = 0;
  std::size_t at = 1;
  while (at + 3 <= size) {
    const std::uint8_t flags = data[at];
    const std::size_t len = (std::size_t{data[at + 1]} << 8 | data[at + 2]) % 1600;
    at += 3;
    const std::span<const std::uint8_t> pkt(data + at, std::min(len, size - at));
    at += pkt.size();
    now += (flags >> 1) * 10'000;
    if (flags & 1) {
      (void)dec.on_fec(pkt, now);
    } else {
      (void)dec.on_media(pkt, now);
    }
    while (auto r = dec.poll_recovered()) {
      if (r->size() < 12 || r->size() > 12 + cfg.max_payload) std::abort();
      if (!srtcore::rtp::parse_rtp(*r)) std::abort();
    }
    if (dec.held() > cfg.fec_slots) std::abort();
  }
  return 0;
}
