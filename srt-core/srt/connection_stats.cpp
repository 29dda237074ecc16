// Connection::stats: libsrt's SRT_TRACEBSTATS fields filled from the
// connection's counters and sub-engines.
#include <chrono>

#include "srt/connection_impl.hpp"

namespace srtcore::srt {

namespace {

constexpr Duration kRateWindow = std::chrono::seconds(1);

int ms_of(Duration d) {
  return static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

double mbps(std::uint64_t bytes, Duration over) {
  if (over.count() <= 0) return 0;
  return static_cast<double>(bytes) * 8.0 / static_cast<double>(over.count());
}

}  // namespace

void Connection::Impl::count_rates(TimePoint now) {
  const Duration span = now - n.rate_start;
  if (span < kRateWindow) return;
  n.send_rate_mbps = mbps(n.window_sent_bytes, span);
  n.recv_rate_mbps = mbps(n.window_recv_bytes, span);
  n.window_sent_bytes = 0;
  n.window_recv_bytes = 0;
  n.rate_start = now;
}

Stats Connection::Impl::stats(TimePoint now) const {
  Stats st;
  st.msTimeStamp = ms_of(now - start);
  st.byteMSS = static_cast<int>(config.mss);
  st.pktSent = static_cast<std::int64_t>(n.pkt_sent);
  st.pktSentUnique = static_cast<std::int64_t>(n.pkt_sent_unique);
  st.byteSent = n.byte_sent;
  st.byteSentUnique = n.byte_sent_unique;
  st.pktRetrans = static_cast<std::int64_t>(n.pkt_retrans);
  st.byteRetrans = n.byte_retrans;
  st.pktSndLoss = static_cast<std::int64_t>(n.pkt_snd_loss);
  st.pktRcvLoss = static_cast<std::int64_t>(n.pkt_rcv_loss);
  st.pktSentACK = static_cast<std::int64_t>(n.sent_ack);
  st.pktRecvACK = static_cast<std::int64_t>(n.recv_ack);
  st.pktSentNAK = static_cast<std::int64_t>(n.sent_nak);
  st.pktRecvNAK = static_cast<std::int64_t>(n.recv_nak);
  st.pktRcvUndecrypt = static_cast<std::int64_t>(n.pkt_rcv_undecrypt);
  st.kmState = static_cast<int>(km_state);
  st.pbKeyLen = crypto ? static_cast<int>(crypto->key_length()) : 0;
  st.cryptoMode = !crypto ? 0 : crypto->gcm() ? 2 : 1;
  st.kmSendKeySwitches = crypto ? static_cast<std::int64_t>(crypto->key_switches()) : 0;
  st.kmPeerAnnouncements = static_cast<std::int64_t>(n.km_peer_announcements);
  st.byteRcvUndecrypt = n.byte_rcv_undecrypt;
  st.pktRcvInvalid = static_cast<std::int64_t>(n.dropped_input);
  if (s && s->fec_snd) st.pktSndFilterExtra = static_cast<std::int64_t>(s->fec_snd->packets_sent());
  if (s && s->fec_rcv) {
    const FecReceiverStats &f = s->fec_rcv->stats();
    st.pktRcvFilterExtra = static_cast<std::int64_t>(f.fec_packets);
    st.pktRcvFilterBad = static_cast<std::int64_t>(f.malformed + f.stale + f.duplicate);
  }
  st.pktRcvFilterSupply = static_cast<std::int64_t>(n.filter_supply);
  st.pktRcvFilterLoss = static_cast<std::int64_t>(n.filter_loss);
  st.msgSndRefused = static_cast<std::int64_t>(n.send_rejected);
  st.mbpsSendRate = n.send_rate_mbps;
  st.mbpsRecvRate = n.recv_rate_mbps;
  st.mbpsBandwidth = static_cast<double>(n.peer_link_capacity) *
                     static_cast<double>(config.payload_size + 44) * 8.0 / 1e6;
  if (!s) return st;
  const Session &x = *s;
  const ReceiveBufferStats &r = x.rcv().stats();
  st.pktRecv = static_cast<std::int64_t>(r.received);
  st.byteRecv = r.received_bytes;
  st.pktRcvRetrans = static_cast<std::int64_t>(r.retransmitted);
  st.pktRcvBelated = static_cast<std::int64_t>(r.belated);
  st.pktRcvDrop = static_cast<std::int64_t>(r.dropped_packets);
  st.byteRcvDrop = r.dropped_bytes;
  // Unique: stored for delivery (not a duplicate, not belated, in window).
  st.pktRecvUnique = static_cast<std::int64_t>(r.received - r.duplicates - r.belated -
                                               r.out_of_window - r.oversized);
  st.byteRecvUnique = r.delivered_bytes;
  if (x.member) {
    // The buffer is the group's: this link's own share.
    st.pktRecv = static_cast<std::int64_t>(x.link_received);
    st.byteRecv = x.link_received_bytes;
    st.pktRecvUnique = static_cast<std::int64_t>(x.link_received - x.link_redundant);
    st.byteRecvUnique = 0;
  }
  // libsrt estimates lost bytes from the average payload.
  const std::uint64_t avg = r.received > 0 ? r.received_bytes / r.received : config.payload_size;
  st.byteRcvLoss = n.pkt_rcv_loss * avg;
  const SendBufferStats &sb = x.snd.stats();
  st.pktSndDrop = static_cast<std::int64_t>(sb.dropped_packets);
  st.byteSndDrop = sb.dropped_bytes;

  st.usPktSndPeriod = static_cast<double>(x.cc.period_ps()) / 1e6;
  st.pktFlowWindow = static_cast<int>(x.peer_flow_window);
  st.pktCongestionWindow = static_cast<int>(x.peer_flow_window);
  st.pktFlightSize = seq_diff(x.snd.next_send_seq(), x.snd.first_seq());
  st.msRTT = static_cast<double>(x.rtt.srtt().count()) / 1000.0;
  st.mbpsMaxBW = static_cast<double>(x.cc.bandwidth()) * 8.0 / 1e6;
  st.pktSndBuf = static_cast<int>(x.snd.size());
  st.byteSndBuf = static_cast<int>(x.snd.bytes());
  st.byteAvailSndBuf = static_cast<int>(x.snd.free() * config.payload_size);
  if (auto o = x.snd.oldest_origin()) st.msSndBuf = ms_of(now - *o);
  st.msSndTsbPdDelay = ms_of(negotiated.send_latency);
  st.pktRcvBuf = seq_diff(x.rcv().end_seq(), x.rcv().start_seq());
  st.byteRcvBuf = st.pktRcvBuf * static_cast<int>(avg);
  st.byteAvailRcvBuf = static_cast<int>(x.rcv().available() * kMaxPayloadSize);
  st.msRcvTsbPdDelay = ms_of(negotiated.recv_latency);
  return st;
}

}  // namespace srtcore::srt
