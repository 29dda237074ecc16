// Every parser over garbage and over every truncation of valid packets: no
// crash, no out-of-bounds read (run under ASan/UBSan to make that bite),
// and whatever parses stays within the input.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "srt/control.hpp"
#include "srt/handshake.hpp"
#include "srt/packet.hpp"
#include "srt/seq.hpp"

namespace srtcore::srt {
namespace {

using Bytes = std::vector<std::uint8_t>;

bool within(ByteSpan inner, ByteSpan outer) {
  return inner.empty() || (inner.data() >= outer.data() &&
                           inner.data() + inner.size() <= outer.data() + outer.size());
}

// Runs every parser that applies; returns how many succeeded.
int parse_everything(ByteSpan d) {
  int ok = 0;
  auto pkt = parse_packet(d);
  if (!pkt) return ok;
  ++ok;
  if (const auto *dp = std::get_if<DataPacketView>(&*pkt)) {
    EXPECT_TRUE(within(dp->payload, d));
    return ok;
  }
  const auto &c = std::get<ControlPacketView>(*pkt);
  EXPECT_TRUE(within(c.body, d));
  // Each parser checks the type itself; force every type to exercise bodies.
  for (ControlType t :
       {ControlType::kHandshake, ControlType::kAck, ControlType::kNak, ControlType::kAckAck,
        ControlType::kDropRequest, ControlType::kPeerError, ControlType::kUserDefined}) {
    ControlPacketView v = c;
    v.header.type = t;
    ok += static_cast<bool>(parse_ack(v));
    ok += static_cast<bool>(parse_ackack(v));
    ok += static_cast<bool>(parse_drop_request(v));
    ok += static_cast<bool>(parse_peer_error(v));
    if (auto km = parse_km_message(v)) {
      ++ok;
      EXPECT_TRUE(within(km->km, d));
      (void)km_error_state(km->km);
    }
    if (auto nak = parse_nak(v)) {
      ++ok;
      for (const SeqRange r : *nak) EXPECT_TRUE(seq_le(r.first, r.last));
    }
    if (auto hs = parse_handshake(v)) {
      ++ok;
      EXPECT_TRUE(within(hs->extensions, d));
      if (auto exts = parse_extensions(hs->extensions)) {
        for (const Extension e : *exts) {
          EXPECT_TRUE(within(e.content, d));
          ok += static_cast<bool>(parse_hsreq(e.content));
          ok += static_cast<bool>(parse_group(e.content));
          ok += static_cast<bool>(parse_text_extension(e.content));
        }
      }
    }
  }
  return ok;
}

TEST(Robustness, RandomDatagrams) {
  std::mt19937 rng(20240611);
  int parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    Bytes d(rng() % 200);
    for (auto &b : d) b = static_cast<std::uint8_t>(rng());
    if (!d.empty() && (rng() & 1)) d[0] |= 0x80;  // mostly control packets
    // Plausible handshake extension headers make the chain walk go deep.
    if (d.size() > 68 && (rng() & 1)) {
      d[1] = 0;
      d[64] = 0;
      d[66] = 0;
      d[67] = static_cast<std::uint8_t>(rng() % 8);
    }
    parsed += parse_everything(Bytes(d));  // a fresh exact-size copy for ASan
  }
  EXPECT_GT(parsed, 0);  // the generator does reach the parsers' success paths
}

TEST(Robustness, EveryTruncationOfValidPackets) {
  std::vector<Bytes> valid;
  {
    Bytes out(2048);
    HandshakeBody b;
    b.type = hs_type::kConclusion;
    HandshakeBuilder hb(out, b, 1, 2);
    ASSERT_TRUE(hb.add_hsreq(ExtType::kHsReq, HsReq{}));
    ASSERT_TRUE(hb.add_stream_id(std::string(300, 's')));
    ASSERT_TRUE(hb.add_group(GroupExt{0x40000001, GroupType::kBroadcast, 0, 1}));
    ASSERT_TRUE(hb.add_km(ExtType::kKmReq, Bytes(56, 0x12)));
    out.resize(hb.size());
    valid.push_back(out);
  }
  {
    Bytes out(64);
    Ack a;
    out.resize(write_ack(a, 0, 0, out));
    valid.push_back(out);
  }
  {
    Bytes out(64);
    const std::vector<SeqRange> r = {{1, 1}, {5, 9}, {0x7FFFFFFF, 3}};
    out.resize(write_nak(r, 0, 0, out));
    valid.push_back(out);
  }
  {
    Bytes out(64);
    out.resize(write_drop_request(DropRequest{1, 2, 3}, 0, 0, out));
    valid.push_back(out);
  }
  for (const Bytes &v : valid) {
    ASSERT_GT(v.size(), 16u);
    const int full = parse_everything(v);
    EXPECT_GT(full, 1);
    for (std::size_t n = 0; n < v.size(); ++n) {
      parse_everything(Bytes(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n)));
    }
  }
}

}  // namespace
}  // namespace srtcore::srt
