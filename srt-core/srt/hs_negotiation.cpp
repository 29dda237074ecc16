#include "srt/hs_negotiation.hpp"

#include <algorithm>
#include <chrono>

#include "srt/filter_config.hpp"

namespace srtcore::srt {

std::uint32_t our_srt_flags(const ConnectionConfig &config) {
  std::uint32_t f = kSrtFlagTsbpdSnd | kSrtFlagTsbpdRcv | kSrtFlagCrypt | kSrtFlagRexmitFlag;
  if (config.tlpktdrop) f |= kSrtFlagTlPktDrop;
  if (config.nakreport) f |= kSrtFlagPeriodicNak;
  if (!config.packet_filter.empty()) f |= kSrtFlagPacketFilter;
  return f;
}

std::optional<std::string> settle_filter(const std::string &ours,
                                         const std::optional<std::string> &peer, bool responder) {
  if (!peer || peer->empty()) {
    if (responder || ours.empty()) return std::string();
    return std::nullopt;
  }
  return negotiate_filter(ours, *peer);
}

std::uint16_t latency_ms_field(Duration d) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  return static_cast<std::uint16_t>(std::clamp<std::int64_t>(ms, 0, 0xFFFF));
}

namespace {

Duration ms(std::uint16_t v) {
  return std::chrono::milliseconds(v);
}

}  // namespace

std::optional<RejectReason> read_conclusion(ByteSpan extensions, std::uint16_t ext_flags,
                                            ExtType want, PeerConclusion &out) {
  auto chain = parse_extensions(extensions);
  if (!chain) return RejectReason::kRogue;
  for (const Extension e : *chain) {
    switch (e.type) {
      case ExtType::kHsReq:
      case ExtType::kHsRsp: {
        if (e.type != want) break;  // libsrt ignores the other direction's block
        auto hs = parse_hsreq(e.content);
        if (!hs) return RejectReason::kRogue;
        out.hs = *hs;
        break;
      }
      case ExtType::kKmReq:
      case ExtType::kKmRsp:
        // KMREQ goes with HSREQ, KMRSP with HSRSP.
        if ((e.type == ExtType::kKmReq) == (want == ExtType::kHsReq)) out.km = e.content;
        break;
      case ExtType::kSid: {
        auto sid = parse_text_extension(e.content);
        if (!sid) return RejectReason::kRogue;
        out.stream_id = std::move(*sid);
        break;
      }
      case ExtType::kCongestion: {
        auto cc = parse_text_extension(e.content);
        if (!cc) return RejectReason::kRogue;
        if (!cc->empty() && *cc != "live") return RejectReason::kCongestion;
        break;
      }
      case ExtType::kFilter: {
        if (out.filter) return RejectReason::kFilter;  // libsrt: only one
        auto f = parse_text_extension(e.content);
        if (!f) return RejectReason::kRogue;
        out.filter = std::move(*f);
        break;
      }
      case ExtType::kGroup: {
        auto g = parse_group(e.content);
        if (!g || (g->group_id & kGroupIdBit) == 0) return RejectReason::kRogue;
        out.group = *g;
        break;
      }
      default:
        break;  // unknown blocks are skipped, as libsrt does
    }
  }
  if (!(ext_flags & kExtFlagHsReq) || !out.hs) return RejectReason::kRogue;
  if (out.hs->srt_version < kMinPeerSrtVersion) return RejectReason::kVersion;
  if (out.hs->flags & kSrtFlagStream) return RejectReason::kMessageApi;
  return std::nullopt;
}

Latencies negotiate_from_hsreq(const ConnectionConfig &config, const HsReq &peer) {
  Latencies l{config.recv_latency, config.peer_latency};
  // The peer sends with TSBPD: we receive with the larger of our receive
  // latency and its send latency; and the other way round.
  if (peer.flags & kSrtFlagTsbpdSnd) l.recv = std::max(l.recv, ms(peer.send_latency_ms));
  if (peer.flags & kSrtFlagTsbpdRcv) l.send = std::max(l.send, ms(peer.recv_latency_ms));
  // Only whole milliseconds cross the wire: keep both ends identical.
  l.recv = ms(latency_ms_field(l.recv));
  l.send = ms(latency_ms_field(l.send));
  return l;
}

Latencies latencies_from_hsrsp(const ConnectionConfig &config, const HsReq &rsp) {
  Latencies l{ms(latency_ms_field(config.recv_latency)), ms(latency_ms_field(config.peer_latency))};
  if (rsp.flags & kSrtFlagTsbpdSnd) l.recv = ms(rsp.send_latency_ms);
  if (rsp.flags & kSrtFlagTsbpdRcv) l.send = ms(rsp.recv_latency_ms);
  return l;
}

HsReq make_hsreq(const ConnectionConfig &config) {
  HsReq r;
  r.srt_version = kOurSrtVersion;
  r.flags = our_srt_flags(config);
  r.recv_latency_ms = latency_ms_field(config.recv_latency);
  r.send_latency_ms = latency_ms_field(config.peer_latency);
  return r;
}

HsReq make_hsrsp(const ConnectionConfig &config, const Latencies &settled) {
  HsReq r;
  r.srt_version = kOurSrtVersion;
  r.flags = our_srt_flags(config);
  r.recv_latency_ms = latency_ms_field(settled.recv);
  r.send_latency_ms = latency_ms_field(settled.send);
  return r;
}

}  // namespace srtcore::srt
