// libFuzzer target: the ULPFEC parser and recovery on arbitrary input. The
// first two bytes choose the lost sequence number and the FEC payload type;
// the rest is a sequence of packets (a 2-byte length, the bytes) added to an
// UlpfecRecovery window, with a run() now and then. The header parser must
// round-trip what it accepts; rebuilt packets stay within max_packet and
// carry the lost window's SSRC; no packet outside the window is held.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "fec/ulpfec_header.hpp"
#include "fec/ulpfec_recovery.hpp"

using namespace srtcore::fec;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  if (size < 2) return 0;
  UlpfecHeader h;
  if (parse_ulpfec(std::span(data, size), h) == UlpfecParse::ok && size <= 18 + 1600) {
    std::uint8_t out[18];
    write_ulpfec_header(out, h);
    UlpfecHeader back;
    std::uint8_t copy[18 + 1600] = {};
    const std::size_t headers = ulpfec_headers_size(h.l);
    std::copy(out, out + headers, copy);
    std::copy(data + headers, data + std::min<std::size_t>(size, headers + 1600), copy + headers);
    if (parse_ulpfec(std::span(copy, size), back) != UlpfecParse::ok || back != h) std::abort();
  }
  UlpfecRecovery rec(UlpfecRecoveryConfig{1500, 16});
  const auto lost = static_cast<std::uint16_t>(data[0] << 8 | data[1]);
  rec.begin(lost, data[1] & 0x7F, 0x01020304, data[0] & 0x7F);
  std::size_t at = 2;
  while (at + 2 <= size) {
    const std::size_t len = (std::size_t{data[at]} << 8 | data[at + 1]) % 1600;
    at += 2;
    const std::span<const std::uint8_t> p(data + at, std::min(len, size - at));
    at += p.size();
    rec.add(p);
    if (p.size() % 7 == 0) (void)rec.run();
  }
  (void)rec.run();
  for (int d = -UlpfecRecovery::kWindow; d <= UlpfecRecovery::kWindow; ++d) {
    const auto seq = static_cast<std::uint16_t>(lost + d);
    const auto m = rec.media(seq);
    if (!m) continue;
    if (m->size() < 12 || m->size() > 1500) std::abort();
    if (rec.rebuilt(seq) && ((*m)[8] != 1 || (*m)[11] != 4)) std::abort();
  }
  return 0;
}
