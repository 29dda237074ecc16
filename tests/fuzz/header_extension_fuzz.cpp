// libFuzzer target: arbitrary bytes as an RTP packet, and as a bare RFC 8285
// block under a fuzzed profile. Every element read must lie inside the block
// with an id its form allows; writing the elements read again and reading
// that back must give the same elements, with a clean end.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "rtp/header_extension.hpp"
#include "rtp/rtp_header.hpp"

using namespace srtcore;
using namespace srtcore::rtp;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

struct Copy {
  unsigned id;
  std::vector<std::uint8_t> data;
};

void exercise(std::uint16_t profile, ByteSpan block) {
  hdrext::ElementReader reader(profile, block);
  std::vector<Copy> seen;
  std::size_t bytes = 0;
  while (auto e = reader.next()) {
    check(e->data.data() >= block.data() &&
          e->data.data() + e->data.size() <= block.data() + block.size());
    check(hdrext::fits(*reader.form(), e->id, e->data.size()));
    seen.push_back({e->id, {e->data.begin(), e->data.end()}});
    bytes += hdrext::element_header_size(*reader.form()) + e->data.size();
  }
  check(reader.status() != hdrext::ReadStatus::kReading);
  check(bytes <= block.size());
  if (!reader.form()) {
    check(seen.empty());
    return;
  }
  const hdrext::Form form = *reader.form();
  std::vector<std::uint8_t> out((bytes + 3) & ~std::size_t{3}, 0xa5);
  hdrext::BlockWriter writer(form, out);
  for (const Copy &c : seen) {
    const auto space = writer.data_space();
    check(space.size() >= c.data.size());
    std::copy(c.data.begin(), c.data.end(), space.begin());
    check(writer.commit(c.id, c.data.size()));
  }
  out.resize(writer.finish());
  hdrext::ElementReader again(hdrext::profile_of(form), out);
  std::size_t i = 0;
  while (auto e = again.next()) {
    // Empty two-byte elements are not written back.
    while (i < seen.size() && seen[i].data.empty()) ++i;
    check(i < seen.size() && e->id == seen[i].id &&
          std::equal(e->data.begin(), e->data.end(), seen[i].data.begin(), seen[i].data.end()));
    ++i;
  }
  while (i < seen.size() && seen[i].data.empty()) ++i;
  check(i == seen.size() && again.status() == hdrext::ReadStatus::kEnd);
}

}  // namespace

extern "C" const char *__ubsan_default_options() {
  return "halt_on_error=1:print_stacktrace=1";
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  const ByteSpan input(data, size);
  if (const auto rtp = parse_rtp(input); rtp && rtp->header.has_extension)
    exercise(rtp->extension_profile, rtp->extension);
  if (size >= 2) {
    // The bare-block half mostly takes the two RFC 8285 profiles.
    std::uint16_t profile = load_be16(data);
    if ((profile & 0x3) == 0)
      profile = hdrext::kOneByteProfile;
    else if ((profile & 0x3) == 1)
      profile = static_cast<std::uint16_t>(0x1000 | (profile >> 12));
    exercise(profile, input.subspan(2));
  }
  return 0;
}
