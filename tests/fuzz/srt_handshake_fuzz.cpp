// libFuzzer target: whole HSv5 handshakes with every extension (HSREQ/HSRSP,
// KMREQ/KMRSP, stream id, congestion, filter, group and unknown blocks),
// through the engines that act on them rather than the parsers alone:
//   - a Listener given a conclusion that carries a valid SYN cookie, and the
//     connection it may accept, fed the rest of the input as datagrams;
//   - a caller Connection, after a real induction exchange, given a
//     conclusion answer built from the input.
// The input is a recipe (which blocks, their fields and bytes), so that most
// runs get past the cookie and the size checks to the negotiation itself.
// Checked: no crash or sanitizer report, replies fit their buffer, and a
// repeated conclusion never makes a second connection.
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "srt/connection.hpp"
#include "srt/control.hpp"
#include "srt/handshake.hpp"
#include "srt/listener.hpp"
#include "srt/random.hpp"
#include "srt/stream_crypto.hpp"

using namespace srtcore::srt;

namespace {

constexpr const char *kPassphrase = "fuzzing passphrase";
const NetAddress kListenerAddress = NetAddress::v4(10, 0, 0, 2, 4000);
const NetAddress kCallerAddress = NetAddress::v4(10, 0, 0, 1, 5000);

// Reads the recipe; zeros once it runs out.
class Recipe {
 public:
  explicit Recipe(std::span<const std::uint8_t> d) : d_(d) {}
  bool empty() const { return pos_ >= d_.size(); }
  std::uint8_t u8() { return pos_ < d_.size() ? d_[pos_++] : 0; }
  std::uint16_t u16() { return static_cast<std::uint16_t>(u8() << 8 | u8()); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(u16()) << 16 | u16(); }
  std::vector<std::uint8_t> bytes(std::size_t n) {
    n = std::min(n, d_.size() - std::min(pos_, d_.size()));
    std::vector<std::uint8_t> out(d_.begin() + static_cast<std::ptrdiff_t>(pos_),
                                  d_.begin() + static_cast<std::ptrdiff_t>(pos_ + n));
    pos_ += n;
    return out;
  }
  std::string text() {
    const auto b = bytes(u8() % 64);
    return std::string(b.begin(), b.end());
  }

 private:
  std::span<const std::uint8_t> d_;
  std::size_t pos_ = 0;
};

// Valid KM messages for kPassphrase (CTR at each key length, and GCM), made
// once: PBKDF2 per input would leave no time for the rest.
const std::vector<std::vector<std::uint8_t>> &valid_kms() {
  static const std::vector<std::vector<std::uint8_t>> kms = [] {
    std::vector<std::vector<std::uint8_t>> out;
    SeededRandom random(7);
    for (const auto &[len, gcm] :
         {std::pair<std::size_t, bool>{16, false}, {24, false}, {32, false}, {16, true}}) {
      auto c = StreamCrypto::create(kPassphrase, len, random, gcm);
      const ByteSpan km = c->km_message();
      out.emplace_back(km.begin(), km.end());
    }
    return out;
  }();
  return kms;
}

// Adds up to 8 extension blocks the recipe chooses. `request`: a caller's
// conclusion (HSREQ, KMREQ) or an answer (HSRSP, KMRSP).
void add_extensions(Recipe &r, HandshakeBuilder &b, bool request) {
  for (int n = 0; n < 8 && !r.empty(); ++n) {
    switch (r.u8() % 9) {
      case 0: {
        HsReq h;
        h.srt_version = r.u32();
        h.flags = r.u32();
        h.recv_latency_ms = r.u16();
        h.send_latency_ms = r.u16();
        b.add_hsreq(request ? ExtType::kHsReq : ExtType::kHsRsp, h);
        break;
      }
      case 1: {  // a valid KM message, perhaps with one byte changed
        const auto &kms = valid_kms();
        std::vector<std::uint8_t> km = kms[r.u8() % kms.size()];
        const std::uint8_t at = r.u8();
        if (at < km.size()) km[at] ^= r.u8();
        b.add_km(request ? ExtType::kKmReq : ExtType::kKmRsp, km);
        break;
      }
      case 2: {  // KM bytes from the recipe
        auto km = r.bytes((r.u8() % 32) * 4);
        b.add_km(request ? ExtType::kKmReq : ExtType::kKmRsp, km);
        break;
      }
      case 3:
        b.add_stream_id(r.text());
        break;
      case 4:
        b.add_congestion(r.u8() % 2 ? "live" : r.text());
        break;
      case 5:
        b.add_filter(r.u8() % 2 ? "fec,cols:10,rows:5" : r.text());
        break;
      case 6: {
        GroupExt g;
        g.group_id = r.u32();
        g.type = static_cast<GroupType>(r.u8() % 5);
        g.flags = r.u8();
        g.weight = r.u16();
        b.add_group(g);
        break;
      }
      case 7: {  // any block type, word-aligned content
        const std::uint16_t type = r.u16();
        b.add_raw(type, r.bytes((r.u8() % 16) * 4));
        break;
      }
      default: {  // a request's block in an answer or the reverse
        HsReq h;
        h.flags = r.u32();
        b.add_hsreq(request ? ExtType::kHsRsp : ExtType::kHsReq, h);
        break;
      }
    }
  }
}

ConnectionConfig config_from(Recipe &r) {
  ConnectionConfig c;
  const std::uint8_t bits = r.u8();
  if (bits & 1) {
    c.passphrase = kPassphrase;
    c.pbkeylen = std::array<std::size_t, 4>{0, 16, 24, 32}[(bits >> 1) & 3];
    c.crypto_mode = static_cast<CryptoMode>((bits >> 3) % 3);
  }
  if (bits & 0x20) c.stream_id = "#!::r=fuzz";
  c.tlpktdrop = (bits & 0x40) == 0;
  return c;
}

// Feeds the rest of the recipe to `c` as datagrams of its choosing, with
// timers run and output drained between them.
void drive(Recipe &r, Connection &c, TimePoint now) {
  std::vector<std::uint8_t> out(1500);
  for (int i = 0; i < 16 && !r.empty(); ++i) {
    auto d = r.bytes(r.u8() % 128 + 16);
    if (d.size() >= 16 && r.u8() % 2) {  // address it to the connection
      const std::uint32_t id = c.local_socket_id();
      std::memcpy(d.data() + 12, &id, 4);
    }
    c.handle_datagram(now, d);
    now += std::chrono::milliseconds(r.u8());
    c.handle_timeout(now);
    while (c.poll_transmit(now, out) > 0) {
    }
    while (c.poll_event()) {
    }
  }
}

std::uint32_t induction_cookie(Listener &l, TimePoint now) {
  HandshakeBody body;
  body.version = kHandshakeVersion4;
  body.extension = kUdtDgram;
  body.type = hs_type::kInduction;
  body.socket_id = 0x1234;
  std::array<std::uint8_t, 128> req{}, reply{};
  const std::size_t n = write_handshake(body, 0, 0, req);
  const auto res = l.handle_datagram(now, kCallerAddress, ByteSpan(req.data(), n), reply);
  if (res.reply_size == 0) std::abort();  // a plain induction is always answered
  const auto pkt = parse_control_packet(ByteSpan(reply.data(), res.reply_size));
  if (!pkt) std::abort();
  const auto hs = parse_handshake(*pkt);
  if (!hs) std::abort();
  return hs->body.cookie;
}

void fuzz_listener(Recipe &r) {
  const TimePoint now{std::chrono::seconds(100)};
  SeededRandom random(r.u8());
  ListenerConfig lc;
  lc.connection = config_from(r);
  lc.group_connect = r.u8() % 2;
  Listener l(lc, kListenerAddress, random);
  l.set_group_callback([&](TimePoint, const CallerRequest &) {
    GroupDecision d;
    GroupExt g;
    g.group_id = kGroupIdBit | 77;
    g.type = GroupType::kBroadcast;
    d.answer = g;
    return d;
  });
  HandshakeBody body;
  body.version = r.u8() % 8 ? kHandshakeVersion5 : r.u32();
  body.encryption = r.u8() % 5;
  body.extension = kHandshakeMagic;
  body.isn = r.u32() & 0x7FFFFFFF;
  body.mtu = r.u8() % 4 ? 1500 : r.u32();
  body.flow_window = r.u8() % 4 ? 8192 : r.u32();
  body.type = hs_type::kConclusion;
  body.socket_id = r.u32();
  body.cookie = r.u8() % 16 ? induction_cookie(l, now) : r.u32();
  std::vector<std::uint8_t> req(1500), reply(1500);
  HandshakeBuilder b(req, body, 0, 0);
  add_extensions(r, b, true);
  if (!b.ok()) return;
  const ByteSpan conclusion(req.data(), b.size());
  auto res = l.handle_datagram(now, kCallerAddress, conclusion, reply);
  if (res.reply_size > reply.size()) std::abort();
  if (!res.accepted) return;
  // Our answer was lost: the same conclusion again is answered, not accepted.
  auto again = l.handle_datagram(now, kCallerAddress, conclusion, reply);
  if (again.accepted) std::abort();
  drive(r, *res.accepted, now);
}

void fuzz_caller(Recipe &r) {
  TimePoint now{std::chrono::seconds(100)};
  SeededRandom random(r.u8());
  ConnectionConfig cc = config_from(r);
  Connection caller(cc, Role::kCaller, kCallerAddress, kListenerAddress, random, now);
  ListenerConfig lc;
  lc.connection = cc;
  SeededRandom lrandom(3);
  Listener l(lc, kListenerAddress, lrandom);
  std::vector<std::uint8_t> out(1500), reply(1500);
  // The real induction exchange, so the caller waits for a conclusion answer.
  const std::size_t n = caller.poll_transmit(now, out);
  if (n == 0) return;
  const auto ind = l.handle_datagram(now, kCallerAddress, ByteSpan(out.data(), n), reply);
  if (ind.reply_size == 0) return;
  caller.handle_datagram(now, ByteSpan(reply.data(), ind.reply_size));
  const std::size_t m = caller.poll_transmit(now, out);
  if (m == 0) return;
  const auto pkt = parse_control_packet(ByteSpan(out.data(), m));
  if (!pkt) return;
  const auto hs = parse_handshake(*pkt);
  if (!hs) return;
  // An answer from the recipe.
  HandshakeBody body = hs->body;
  body.socket_id = r.u32();
  body.type = r.u8() % 8 ? hs_type::kConclusion : r.u32();
  body.encryption = r.u8() % 5;
  if (r.u8() % 4 == 0) body.cookie = r.u32();
  HandshakeBuilder b(reply, body, 0, caller.local_socket_id());
  add_extensions(r, b, false);
  if (!b.ok()) return;
  caller.handle_datagram(now, ByteSpan(reply.data(), b.size()));
  while (caller.poll_event()) {
  }
  drive(r, caller, now);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  Recipe r({data, size});
  if (r.u8() % 2) {
    fuzz_listener(r);
  } else {
    fuzz_caller(r);
  }
  return 0;
}
