// What the HSv5 conclusion handshake settles, shared by the caller, the
// listener and rendezvous: our HSREQ/HSRSP, the reading of the peer's
// extension chain, latency negotiation (each direction takes the larger of
// the two sides' values, as libsrt) and the reasons to refuse a peer.
//
// Latency word of HSREQ/HSRSP: upper 16 bits the sender of the block's
// receive latency, lower 16 bits its send (peer) latency, in ms.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "srt/bytes.hpp"
#include "srt/connection.hpp"
#include "srt/handshake.hpp"
#include "srt/reject.hpp"

namespace srtcore::srt {

// The libsrt version we announce: the one we interoperate with.
inline constexpr std::uint32_t kOurSrtVersion = make_srt_version(1, 5, 1);
// libsrt refuses HSv5 peers older than 1.2.0 (SRT_VERSION_MAJ1 checks); so do we.
inline constexpr std::uint32_t kMinPeerSrtVersion = make_srt_version(1, 2, 0);

// Flags we put in HSREQ/HSRSP for `config` (live mode, message API).
std::uint32_t our_srt_flags(const ConnectionConfig &config);

// Milliseconds in the 16-bit latency fields (saturating).
std::uint16_t latency_ms_field(Duration d);

// The peer's conclusion, read from its extension chain.
struct PeerConclusion {
  std::optional<HsReq> hs;  // HSREQ or HSRSP, whichever was asked for
  std::string stream_id;
  // The KMREQ block (we are the responder) or KMRSP (we are the initiator).
  std::optional<ByteSpan> km;
  std::optional<GroupExt> group;      // the peer's GROUP extension (well-formed)
  std::optional<std::string> filter;  // the peer's SRT_CMD_FILTER string
};

// The packet filter a connection runs, from our SRTO_PACKETFILTER and the
// peer's filter extension, or nullopt to refuse with SRT_REJ_FILTER. As
// libsrt: a responder whose peer sent none runs none; a side without a
// filter takes the peer's; otherwise the two merge (filter_config.hpp).
// Ours: an initiator that asked for a filter and got no answer refuses.
std::optional<std::string> settle_filter(const std::string &ours,
                                         const std::optional<std::string> &peer, bool responder);

// Reads the extension chain of a HSv5 conclusion. `want` is kHsReq (we are
// the responder) or kHsRsp (we are the initiator). Returns the reason to
// reject when the chain is malformed or asks for what we do not do
// (stream API, another congestion controller, two filter blocks, a peer
// older than 1.2.0). The KM block is read, not judged (hs_encryption.hpp). A GROUP extension is
// read, not judged: whether groups are welcome is the caller of this function's decision. A group
// id without bit 30 is ROGUE, as in libsrt.
std::optional<RejectReason> read_conclusion(ByteSpan extensions, std::uint16_t ext_flags,
                                            ExtType want, PeerConclusion &out);

struct Latencies {
  Duration recv{};  // TSBPD delay we apply to what we receive
  Duration send{};  // TSBPD delay the peer applies to what we send
};

// Responder side: our settings and the peer's HSREQ.
Latencies negotiate_from_hsreq(const ConnectionConfig &config, const HsReq &peer);
// Initiator side: the peer's HSRSP carries the outcome.
Latencies latencies_from_hsrsp(const ConnectionConfig &config, const HsReq &rsp);

HsReq make_hsreq(const ConnectionConfig &config);
HsReq make_hsrsp(const ConnectionConfig &config, const Latencies &settled);

}  // namespace srtcore::srt
