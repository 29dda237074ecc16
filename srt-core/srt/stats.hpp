// Connection statistics with libsrt's names and meanings (SRT_TRACEBSTATS,
// the *Total fields and the instantaneous ones), so srt_bstats users, the
// srtsrc/srtsink "stats" property and libsrt docs map one to one. A plain
// struct: the connection fills it from its sub-engines (SendBuffer,
// ReceiveBuffer, LossList, RttEstimator, LiveCc).
#pragma once

#include <cstdint>

namespace srtcore::srt {

// NOLINTBEGIN(readability-identifier-naming): libsrt's field names on purpose.
struct Stats {
  std::int64_t msTimeStamp = 0;  // time since the connection started

  // Packets, totals since the connection started.
  std::int64_t pktSent = 0;        // data packets sent, retransmissions included
  std::int64_t pktRecv = 0;        // data packets received, duplicates included
  std::int64_t pktSentUnique = 0;  // pktSent without retransmissions
  std::int64_t pktRecvUnique = 0;  // data packets stored for delivery
  std::int64_t pktSndLoss = 0;     // sequences reported lost by the peer's NAKs
  std::int64_t pktRcvLoss = 0;     // sequences detected missing here
  std::int64_t pktRetrans = 0;     // retransmissions sent
  std::int64_t pktRcvRetrans = 0;  // packets received with the R flag
  std::int64_t pktSndDrop = 0;     // given up by the sender (too late to send)
  std::int64_t pktRcvDrop = 0;     // given up by the receiver (TLPKTDROP, drop requests)
  std::int64_t pktRcvBelated = 0;  // arrived after their sequence was delivered or dropped
  std::int64_t pktRcvUndecrypt = 0;
  std::int64_t pktSentACK = 0;
  std::int64_t pktRecvACK = 0;
  std::int64_t pktSentNAK = 0;
  std::int64_t pktRecvNAK = 0;
  // Not in libsrt: datagrams dropped as malformed, misaddressed or
  // unexpected (hostile input is counted here, never acted on).
  std::int64_t pktRcvInvalid = 0;
  // Packet filter (SRTO_PACKETFILTER), libsrt's names: FEC packets sent and
  // received, packets rebuilt, and sequences FEC could not rebuild (ours:
  // in every arq mode; libsrt counts them with onreq only). pktRcvFilterBad
  // (ours): FEC packets dropped as malformed, duplicate or too old.
  std::int64_t pktSndFilterExtra = 0;
  std::int64_t pktRcvFilterExtra = 0;
  std::int64_t pktRcvFilterSupply = 0;
  std::int64_t pktRcvFilterLoss = 0;
  std::int64_t pktRcvFilterBad = 0;
  // Not in libsrt: messages send_message refused (too large, not
  // connected, send buffer full).
  std::int64_t msgSndRefused = 0;

  // Bytes (payload only, as libsrt counts them), totals.
  std::uint64_t byteSent = 0;
  std::uint64_t byteRecv = 0;
  std::uint64_t byteSentUnique = 0;
  std::uint64_t byteRecvUnique = 0;
  std::uint64_t byteRcvLoss = 0;  // estimated from the average payload size
  std::uint64_t byteRetrans = 0;
  std::uint64_t byteSndDrop = 0;
  std::uint64_t byteRcvDrop = 0;
  std::uint64_t byteRcvUndecrypt = 0;

  // Instantaneous values.
  double usPktSndPeriod = 0;  // LiveCc period
  int pktFlowWindow = 0;      // peer's advertised free buffer
  int pktCongestionWindow = 0;
  int pktFlightSize = 0;  // sent and not yet acknowledged
  double msRTT = 0;       // smoothed RTT
  double mbpsBandwidth = 0;
  int byteAvailSndBuf = 0;
  int byteAvailRcvBuf = 0;
  double mbpsMaxBW = 0;  // the pace LiveCc keeps
  int byteMSS = 1500;
  double mbpsSendRate = 0;  // sending rate over the last second
  double mbpsRecvRate = 0;  // receiving rate over the last second
  int pktSndBuf = 0;        // packets in the send buffer
  int byteSndBuf = 0;
  int msSndBuf = 0;         // time span of the send buffer
  int msSndTsbPdDelay = 0;  // latency the peer applies to what we send
  int pktRcvBuf = 0;
  int byteRcvBuf = 0;
  int msRcvBuf = 0;
  int msRcvTsbPdDelay = 0;  // latency we apply to what we receive
  int pktReorderDistance = 0;
  int pktReorderTolerance = 0;

  // Not in SRT_TRACEBSTATS: the socket options SRTO_KMSTATE (a KmState:
  // 0 unsecured, 1 securing, 2 secured, 3 no secret, 4 bad secret) and
  // SRTO_PBKEYLEN (the key length in use, 0 when clear).
  int kmState = 0;
  int pbKeyLen = 0;
  int cryptoMode = 0;  // SRTO_CRYPTOMODE once connected: 1 AES-CTR, 2 AES-GCM; 0 clear
  // Not in libsrt: key refresh. Our switches to a new sending key, and the
  // peer's key announcements (KMREQ after the handshake) we took.
  std::int64_t kmSendKeySwitches = 0;
  std::int64_t kmPeerAnnouncements = 0;
};
// NOLINTEND(readability-identifier-naming)

}  // namespace srtcore::srt
