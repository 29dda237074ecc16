// libFuzzer target: every SRT wire parser on arbitrary datagrams, as a
// listener sees them. Whatever parses must stay inside the input.
#include <cstdint>
#include <cstdlib>
#include <variant>
#include <vector>

#include "srt/control.hpp"
#include "srt/handshake.hpp"
#include "srt/packet.hpp"
#include "srt/seq.hpp"

using namespace srtcore::srt;

namespace {

void require_within(ByteSpan inner, ByteSpan outer) {
  if (inner.empty()) return;
  if (inner.data() < outer.data() || inner.data() + inner.size() > outer.data() + outer.size())
    std::abort();
}

void parse_control(const ControlPacketView &c, ByteSpan all) {
  // Each parser checks the type itself; try every type so every body parser runs.
  for (ControlType t :
       {ControlType::kHandshake, ControlType::kAck, ControlType::kNak, ControlType::kAckAck,
        ControlType::kDropRequest, ControlType::kPeerError, ControlType::kUserDefined}) {
    ControlPacketView v = c;
    v.header.type = t;
    (void)parse_ack(v);
    (void)parse_ackack(v);
    (void)parse_drop_request(v);
    (void)parse_peer_error(v);
    if (auto km = parse_km_message(v)) {
      require_within(km->km, all);
      (void)km_error_state(km->km);
    }
    if (auto nak = parse_nak(v)) {
      for (const SeqRange r : *nak)
        if (!seq_le(r.first, r.last)) std::abort();
    }
    if (auto hs = parse_handshake(v)) {
      require_within(hs->extensions, all);
      if (auto exts = parse_extensions(hs->extensions)) {
        for (const Extension e : *exts) {
          require_within(e.content, all);
          (void)parse_hsreq(e.content);
          (void)parse_group(e.content);
          (void)parse_text_extension(e.content);
        }
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  // An exact-size copy so ASan sees any read past the datagram.
  const std::vector<std::uint8_t> copy(data, data + size);
  const ByteSpan all(copy);
  auto pkt = parse_packet(all);
  if (!pkt) return 0;
  if (const auto *d = std::get_if<DataPacketView>(&*pkt)) {
    require_within(d->payload, all);
    return 0;
  }
  const auto &c = std::get<ControlPacketView>(*pkt);
  require_within(c.body, all);
  parse_control(c, all);
  return 0;
}
