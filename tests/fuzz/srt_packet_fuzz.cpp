// libFuzzer target: every SRT wire parser on arbitrary datagrams, as a
// listener sees them, and the KM (key material) message parser on the
// datagram itself, on KMREQ/KMRSP extension blocks and on KM control
// bodies. Whatever parses must stay inside the input.
#include <cstdint>
#include <cstdlib>
#include <variant>
#include <vector>

#include "srt/control.hpp"
#include "srt/handshake.hpp"
#include "srt/km_message.hpp"
#include "srt/packet.hpp"
#include "srt/seq.hpp"
#include "srt/stream_crypto.hpp"

using namespace srtcore::srt;

namespace {

void require_within(ByteSpan inner, ByteSpan outer) {
  if (inner.empty()) return;
  if (inner.data() < outer.data() || inner.data() + inner.size() > outer.data() + outer.size())
    std::abort();
}

// A KM message that parses has exactly the size its fields say and reads
// back the same after writing; only then is it worth the PBKDF2 of a
// handshake (rare with random input).
void parse_km(ByteSpan km) {
  const auto k = parse_key_material(km);
  if (!k) return;
  if (k->size() != km.size()) std::abort();
  std::vector<std::uint8_t> out(kKmMaxSize);
  if (write_key_material(*k, out) != km.size()) std::abort();
  const auto again = parse_key_material(ByteSpan(out.data(), km.size()));
  if (!again || again->key_flags != k->key_flags || again->key_len != k->key_len ||
      again->salt != k->salt || again->wrapped != k->wrapped)
    std::abort();
  (void)StreamCrypto::accept("fuzz passphrase", km);
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
      parse_km(km->km);
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
          parse_km(e.content);
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
  parse_km(all);
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
