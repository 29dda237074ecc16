// libFuzzer target: arbitrary bytes as a RED (RFC 2198) payload. What
// red::parse accepts must tile the payload exactly (headers, redundant
// blocks, a non-empty primary), its headers written back must be the same
// bytes, and parse_layout from a header prefix must agree with it. The tail
// of the input drives the sequence finder, whose answers must lie strictly
// between two packets it was given.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "rtp/red.hpp"

using namespace srtcore;
using namespace srtcore::rtp;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  const ByteSpan payload(data, size);
  const auto p = red::parse(payload);
  const auto l = red::parse_layout(payload.first(std::min(size, red::kMaxHeadersSize)), size);
  check(p.has_value() == l.has_value());
  if (p) {
    std::size_t total = p->header_size;
    std::vector<red::BlockHeader> headers;
    for (std::size_t i = 0; i < p->redundant_count; ++i) {
      const auto &b = p->redundant[i];
      check(b.data.data() == data + total);
      check(red::fits(b.timestamp_offset, b.data.size()));
      total += b.data.size();
      headers.push_back({b.payload_type, b.timestamp_offset, b.data.size()});
    }
    check(!p->primary.empty() && p->primary.data() == data + total);
    check(total + p->primary.size() == size);
    check(red::header_size(p->redundant_count) == p->header_size);
    std::vector<std::uint8_t> again(p->header_size);
    red::write_headers(again.data(), headers, p->primary_payload_type);
    check(std::equal(again.begin(), again.end(), data));
    check(l->primary_offset == total && l->primary_length == p->primary.size());
  }
  // Sequence finder: (seq, timestamp) pairs, then questions.
  red::SequenceFinder f;
  std::size_t pos = 0;
  while (pos + 6 <= size) {
    const auto seq = static_cast<std::uint16_t>(data[pos] << 8 | data[pos + 1]);
    const std::uint32_t ts = std::uint32_t{data[pos + 2]} << 24 |
                             std::uint32_t{data[pos + 3]} << 16 |
                             std::uint32_t{data[pos + 4]} << 8 | data[pos + 5];
    if (seq & 1)
      f.add(seq, ts);
    else
      (void)f.missing_seq(ts);
    pos += 6;
  }
  return 0;
}
