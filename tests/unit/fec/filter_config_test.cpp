// SRTO_PACKETFILTER strings: parsing, checks and the handshake merge, with
// libsrt's rules (its own test cases: a full and a partial configuration
// merge into the union with defaults; conflicting values, a different type
// or a result without cols are refused).
#include <gtest/gtest.h>

#include <algorithm>
#include <variant>

#include "srt/filter_config.hpp"
#include "srt/hs_negotiation.hpp"

namespace srtcore::srt {
namespace {

FilterConfig sorted(FilterConfig c) {
  std::sort(c.params.begin(), c.params.end());
  return c;
}

TEST(FilterConfig, ParsesTypeAndKeys) {
  const auto c = parse_filter_config("fec,cols:10,rows:-5,layout:even,arq:never");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->type, "fec");
  ASSERT_EQ(c->params.size(), 4u);
  EXPECT_EQ(*c->find("rows"), "-5");
  EXPECT_EQ(to_string(*c), "fec,cols:10,rows:-5,layout:even,arq:never");
  const auto bare = parse_filter_config("fec");
  ASSERT_TRUE(bare);
  EXPECT_TRUE(bare->params.empty());
}

TEST(FilterConfig, RefusesMalformedStrings) {
  for (const char *s : {"", ",cols:10", "fec,cols", "fec,:10", "fec,cols:10,"}) {
    EXPECT_FALSE(parse_filter_config(s)) << s;
  }
}

TEST(FilterConfig, ChecksValuesAsLibsrt) {
  const auto ok = check_filter_string("fec,cols:10,rows:5,layout:even,arq:always", true);
  ASSERT_TRUE(std::holds_alternative<FecParams>(ok));
  const FecParams p = std::get<FecParams>(ok);
  EXPECT_EQ(p.cols, 10);
  EXPECT_EQ(p.column_size(), 5);
  EXPECT_TRUE(p.row_fec());
  EXPECT_TRUE(p.column_fec());
  EXPECT_FALSE(p.staircase);
  EXPECT_EQ(p.arq, ArqLevel::kAlways);

  const auto cols_only = std::get<FecParams>(check_filter_string("fec,cols:4,rows:-3", true));
  EXPECT_FALSE(cols_only.row_fec());
  EXPECT_TRUE(cols_only.column_fec());
  const auto row_only = std::get<FecParams>(check_filter_string("fec,cols:4", true));
  EXPECT_TRUE(row_only.row_fec());
  EXPECT_FALSE(row_only.column_fec());
  EXPECT_TRUE(row_only.staircase);            // libsrt's default layout
  EXPECT_EQ(row_only.arq, ArqLevel::kOnReq);  // and default arq

  // libsrt's ConfigExchangeFaux cases, and ours.
  for (const char *bad :
       {"FEC,Cols:20", "fec,cols:-10", "fec,cols:1", "fec,cols:10,rows:0", "fec,cols:10,rows:-1",
        "fec,cols:10,layout:stairwars", "fec,cols:10,arq:sometimes", "fec,cols:10,weird:1",
        "fec,cols:10x", "fec,cols:100000", "fec,rows:5"}) {
    EXPECT_TRUE(std::holds_alternative<std::string>(check_filter_string(bad, true))) << bad;
  }
  // Before the handshake, the type alone (or no cols) is a valid setting.
  EXPECT_TRUE(std::holds_alternative<FecParams>(check_filter_string("fec", false)));
  EXPECT_TRUE(std::holds_alternative<FecParams>(check_filter_string("fec,arq:never", false)));
}

TEST(FilterConfig, NegotiationMergesAndFillsDefaults) {
  // libsrt's ConfigExchange: ours full, the peer's partial.
  const auto m = negotiate_filter("fec,cols:10,rows:10", "fec,cols:10,arq:never");
  ASSERT_TRUE(m);
  EXPECT_EQ(sorted(*parse_filter_config(*m)),
            sorted(*parse_filter_config("fec,cols:10,rows:10,arq:never,layout:staircase")));
  // One side names only the type (the documented way to accept any).
  const auto a = negotiate_filter("fec", "fec,cols:8,rows:-4,layout:even");
  ASSERT_TRUE(a);
  EXPECT_EQ(sorted(*parse_filter_config(*a)),
            sorted(*parse_filter_config("fec,cols:8,rows:-4,layout:even,arq:onreq")));
  // No filter here: the peer's is taken whole.
  const auto b = negotiate_filter("", "fec,cols:5");
  ASSERT_TRUE(b);
  EXPECT_EQ(sorted(*parse_filter_config(*b)),
            sorted(*parse_filter_config("fec,cols:5,rows:1,layout:staircase,arq:onreq")));
  // Either order gives the same configuration.
  EXPECT_EQ(sorted(*parse_filter_config(*negotiate_filter("fec,cols:10,arq:never", "fec,rows:5"))),
            sorted(*parse_filter_config(*negotiate_filter("fec,rows:5", "fec,cols:10,arq:never"))));
}

TEST(FilterConfig, NegotiationRefusesConflicts) {
  EXPECT_FALSE(negotiate_filter("fec,cols:10,rows:10", "fec,cols:20,rows:20"));  // conflict
  EXPECT_FALSE(negotiate_filter("fec,cols:10,arq:never", "fec,cols:10,arq:always"));
  EXPECT_FALSE(negotiate_filter("fec,rows:10", "fec,rows:10"));  // nobody set cols
  EXPECT_FALSE(negotiate_filter("fec", "fec"));
  EXPECT_FALSE(negotiate_filter("fec,cols:10", "other,cols:10"));  // another type
  EXPECT_FALSE(negotiate_filter("", "fec,cols:10,rows:0"));        // invalid from the peer
  EXPECT_FALSE(negotiate_filter("", "garbage"));
}

// The SRT_CMD_FILTER block read from a conclusion; a second one refused.
TEST(FilterHandshake, ReadsTheBlockAndRefusesTwo) {
  std::vector<std::uint8_t> out(512);
  HandshakeBody b;
  b.type = hs_type::kConclusion;
  ConnectionConfig cfg;
  cfg.packet_filter = "fec,cols:10,rows:5";
  HandshakeBuilder hb(out, b, 0, 0);
  ASSERT_TRUE(hb.add_hsreq(ExtType::kHsReq, make_hsreq(cfg)));
  ASSERT_TRUE(hb.add_filter(cfg.packet_filter));
  const auto pkt = parse_control_packet(std::span<const std::uint8_t>(out.data(), hb.size()));
  ASSERT_TRUE(pkt);
  const auto hs = parse_handshake(*pkt);
  ASSERT_TRUE(hs);
  PeerConclusion pc;
  EXPECT_FALSE(read_conclusion(hs->extensions, hs->body.extension, ExtType::kHsReq, pc));
  ASSERT_TRUE(pc.filter);
  EXPECT_EQ(*pc.filter, "fec,cols:10,rows:5");
  EXPECT_TRUE(pc.hs->flags & kSrtFlagPacketFilter);  // FILTERCAP with a filter

  ASSERT_TRUE(hb.add_filter("fec,cols:4"));
  const auto pkt2 = parse_control_packet(std::span<const std::uint8_t>(out.data(), hb.size()));
  const auto hs2 = parse_handshake(*pkt2);
  PeerConclusion pc2;
  EXPECT_EQ(read_conclusion(hs2->extensions, hs2->body.extension, ExtType::kHsReq, pc2),
            RejectReason::kFilter);
}

TEST(FilterHandshake, SettlesAsLibsrt) {
  // Responder: the caller sent none, ours is dropped; ours none, take theirs.
  EXPECT_EQ(settle_filter("fec,cols:10", std::nullopt, true), "");
  EXPECT_EQ(settle_filter("", std::optional<std::string>("fec,cols:6"), true),
            "fec,cols:6,rows:1,layout:staircase,arq:onreq");
  // Initiator that asked and got nothing: refused (ours).
  EXPECT_EQ(settle_filter("fec,cols:10", std::nullopt, false), std::nullopt);
  EXPECT_EQ(settle_filter("", std::nullopt, false), "");
  EXPECT_EQ(settle_filter("fec,cols:10", std::optional<std::string>("fec,cols:12"), true),
            std::nullopt);
}

}  // namespace
}  // namespace srtcore::srt
