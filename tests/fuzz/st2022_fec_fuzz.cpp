// libFuzzer target: the SMPTE 2022-1 FEC decoder on arbitrary input. The
// first byte chooses max_window; the rest is a sequence of packets (a flag
// byte: media or FEC, a time step; a 2-byte length; the bytes), fed to an
// St2022Decoder as the media and FEC pads would. Rebuilt packets must stay
// within the payload limit and the header parser must round-trip; the
// decoder's window never exceeds its limit.
#include <cstdint>
#include <algorithm>
#include <cstdlib>
#include <span>

#include "fec/st2022_1_decoder.hpp"
#include "fec/st2022_1_header.hpp"

using namespace srtcore::fec;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  if (size < 1) return 0;
  if (const auto h = parse_st2022_header(std::span(data, size))) {
    std::uint8_t out[kSt2022HeaderSize];
    write_st2022_header(out, *h);
    if (parse_st2022_header(out) != h) std::abort();
  }
  St2022DecoderConfig cfg;
  cfg.max_payload = 1460;
  cfg.hold_ns = 1'000'000;
  cfg.max_window = std::size_t{256} << (data[0] % 6);
  St2022Decoder dec(cfg);
  std::uint64_t now = 0;
  std::size_t at = 1;
  while (at + 3 <= size) {
    const std::uint8_t flags = data[at];
    const std::size_t len = (std::size_t{data[at + 1]} << 8 | data[at + 2]) % 1600;
    at += 3;
    const std::span<const std::uint8_t> p(data + at, std::min(len, size - at));
    at += p.size();
    now += (flags >> 1) * 10'000;
    if (flags & 1) {
      (void)dec.on_fec(p, now);
    } else {
      (void)dec.on_media(p, now);
    }
    while (auto r = dec.poll_recovered()) {
      if (r->size() < 12 || r->size() > 12 + cfg.max_payload) std::abort();
    }
    if (dec.window() > cfg.max_window) std::abort();
  }
  return 0;
}
