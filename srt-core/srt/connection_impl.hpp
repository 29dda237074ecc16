// Private state of Connection, shared by its connection_*.cpp files:
// identity, handshake progress, and (once connected) the live-mode session
// built from the sub-engines. Not part of the public interface.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "srt/ack_scheduler.hpp"
#include "srt/connection.hpp"
#include "srt/control_queue.hpp"
#include "srt/fec_receiver.hpp"
#include "srt/fec_sender.hpp"
#include "srt/filter_config.hpp"
#include "srt/handshake.hpp"
#include "srt/hs_encryption.hpp"
#include "srt/hs_negotiation.hpp"
#include "srt/live_cc.hpp"
#include "srt/loss_list.hpp"
#include "srt/nak_scheduler.hpp"
#include "srt/packet.hpp"
#include "srt/receive_buffer.hpp"
#include "srt/rtt.hpp"
#include "srt/send_buffer.hpp"
#include "srt/stream_crypto.hpp"

namespace srtcore::srt {

// What the listener learnt from an accepted conclusion.
struct Connection::Accepted {
  NetAddress local;
  NetAddress peer;
  std::uint32_t local_socket_id = 0;
  std::uint32_t peer_socket_id = 0;
  std::uint32_t peer_isn = 0;
  std::uint32_t peer_mss = 1500;
  std::uint32_t peer_flow_window = 8192;
  HsReq peer_hsreq;
  std::string stream_id;
  TimePoint arrival{};                   // when the conclusion arrived
  std::uint32_t peer_timestamp = 0;      // its header timestamp (TSBPD time base)
  std::uint32_t cookie = 0;              // echoed in the response, as libsrt does
  std::optional<GroupExt> peer_group;    // the caller's GROUP extension
  std::optional<GroupExt> local_group;   // our answer (mirror group id)
  std::shared_ptr<StreamCrypto> crypto;  // keys from the caller's KMREQ; null: clear
  std::string packet_filter;             // negotiated; empty: none
};

// libsrt repeats connection requests every 250 ms.
inline constexpr Duration kHandshakeRepeat = std::chrono::milliseconds(250);
inline constexpr Duration kKeepaliveInterval = std::chrono::seconds(1);
// Room for any datagram we write (MSS minus IP/UDP headers).
inline constexpr std::size_t kMaxDatagram = 1500 - 28;
// Our conclusion answer: header, body, HSRSP, KMRSP, GROUP, FILTER.
inline constexpr std::size_t kMaxHandshakeResponse =
    kHeaderSize + kHandshakeBodySize + (4 + kHsReqSize) + (4 + kKmMaxSize) + (4 + kGroupExtSize) +
    (4 + kMaxTextExtensionSize);

enum class HsPhase : std::uint8_t {
  kInduction,     // caller: waiting for the induction answer
  kConclusion,    // caller: waiting for the conclusion answer
  kRdvWaving,     // rendezvous: waveahand sent, nothing heard yet
  kRdvAttention,  // rendezvous: conclusion sent, waiting for the peer's
  kRdvFine,       // rendezvous responder: agreement expected / data
  kDone,
};

// The live-mode session of a connected pair: one sender, one receiver.
struct Session {
  Session(const ConnectionConfig &config, TimePoint start, TimePoint now, std::uint32_t send_isn,
          std::uint32_t recv_isn, const Latencies &lat, bool tlpktdrop_rcv);

  SendBuffer snd;
  LiveCc cc;
  Pacer pacer;
  InputRateEstimator input_rate;
  SenderLossList snd_lost;
  // Ours, or the group's when the connection is a group member.
  std::shared_ptr<ReceiveBuffer> rcv_buf;
  ReceiveBuffer &rcv() { return *rcv_buf; }
  const ReceiveBuffer &rcv() const { return *rcv_buf; }
  LossList rcv_lost;
  // Group member: one past the newest sequence this link brought. The ACK
  // never goes past it: the peer's member sent nothing beyond on this link.
  bool member = false;
  bool link_gaps = true;
  std::uint32_t link_next = 0;
  std::uint64_t link_received = 0, link_received_bytes = 0, link_redundant = 0;
  std::uint64_t link_received_acked = 0;  // link_received at the last full ACK
  std::uint32_t ack_seq() const {
    const std::uint32_t a = rcv().ack_seq();
    return member && seq_lt(link_next, a) ? link_next : a;
  }
  AckScheduler acks;
  NakScheduler naks;
  RttEstimator rtt;
  std::optional<Duration> snd_drop_threshold;
  std::optional<std::uint32_t> dup_pending;  // a retransmission to send twice
  bool peer_rtt_measured = false;            // the peer's ACKs carry a measured RTT

  // ACKACK pacing on the sending side (libsrt: one per 10 ms, or a repeat).
  std::uint32_t last_ackack_number = 0;
  TimePoint last_ackack_time{};
  std::int64_t peer_flow_window = 0;

  // Receive-rate window for the full ACK's rate fields.
  TimePoint rate_window_start{};
  std::uint64_t rate_packets = 0;
  std::uint64_t rate_bytes = 0;
  std::uint32_t last_packet_rate = 0;
  std::uint32_t last_byte_rate = 0;

  // The RTT the ACK and NAK timers work with. Until the first ACK/ACKACK
  // sample (a listener side has no handshake RTT), libsrt's initial 100 ms
  // would hold an unchanged ACK back 300 ms and repeat NAKs only every
  // 150 ms, longer than a live latency: instead ACKs repeat every 10 ms
  // until measured (ack_rtt) and NAKs repeat as if the RTT were a third of
  // the latency (nak_rtt), so that losses at the very start are repaired.
  // Once measured, NAKs still repeat at least every quarter of the latency
  // (ours; libsrt has no bound): one sample taken on a starved machine can
  // put SRTT + 4 RTTVar at hundreds of ms, and a repeat due after the
  // latency saves nothing. Repeats that cross a retransmission in flight
  // are the sender's to ignore (SendBuffer::retransmit_allowed).
  Duration ack_srtt() const { return rtt.measured() ? rtt.srtt() : Duration(0); }
  Duration ack_rttvar() const { return rtt.measured() ? rtt.rttvar() : Duration(0); }
  bool nak_rtt_capped() const {
    return rtt.measured() && (rtt.srtt() + 4 * rtt.rttvar()) / 2 > rcv().tsbpd().latency() / 4;
  }
  Duration nak_srtt() const {
    if (!rtt.measured()) return std::min(rtt.srtt(), rcv().tsbpd().latency() / 3);
    return nak_rtt_capped() ? rcv().tsbpd().latency() / 2 : rtt.srtt();
  }
  Duration nak_rttvar() const {
    return rtt.measured() && !nak_rtt_capped() ? rtt.rttvar() : Duration(0);
  }

  bool first_ack_sent = false;
  // Flow window we told the sender: the smallest not yet superseded by a
  // larger one it confirmed (ACKACK); while it is small and room came
  // back, window updates repeat every ACK interval.
  std::size_t advertised_room = 0;
  std::size_t room_sent = 0;
  std::uint32_t room_sent_number = 0;
  // Sequences given up between two delivered messages (for MessageInfo).
  std::uint32_t dropped_pending = 0;

  // The packet filter (SRTO_PACKETFILTER "fec"), when negotiated.
  std::unique_ptr<FecSender> fec_snd;
  std::unique_ptr<FecReceiver> fec_rcv;
  FecParams fec_params{};  // to build the receiver again (realignment)
  std::size_t fec_max_payload = 0;
  // Group member: the peer's FEC rows may start elsewhere than at this
  // link's ISN; the first row FEC packets tell (a few tries, then no more).
  int fec_realign_tries = 0;
  ArqLevel arq = ArqLevel::kAlways;  // without a filter: plain ARQ
  // Gaps go to the loss list and the NAK at once (no filter, or arq:always).
  bool nak_on_gap() const { return !fec_rcv || arq == ArqLevel::kAlways; }
};

struct Counters {
  std::uint64_t pkt_sent = 0, pkt_sent_unique = 0, byte_sent = 0, byte_sent_unique = 0;
  std::uint64_t pkt_retrans = 0, byte_retrans = 0;
  std::uint64_t pkt_snd_loss = 0;  // sequences the peer NAKed
  std::uint64_t pkt_rcv_loss = 0;  // sequences we found missing
  std::uint64_t sent_ack = 0, recv_ack = 0, sent_nak = 0, recv_nak = 0;
  std::uint64_t pkt_rcv_undecrypt = 0, byte_rcv_undecrypt = 0;
  std::uint64_t km_peer_announcements = 0;
  std::uint64_t peer_recv_rate_bytes = 0, peer_link_capacity = 0;  // from full ACKs
  std::uint32_t peer_packet_rate = 0;
  std::uint64_t dropped_input = 0;  // malformed / unexpected datagrams
  std::uint64_t filter_supply = 0;  // rebuilt packets the receive buffer took
  std::uint64_t filter_loss = 0;    // sequences the filter could not rebuild (still missing)
  std::uint64_t send_rejected = 0;  // send_message refused
  // Rates over the last whole second, for mbpsSendRate / mbpsRecvRate.
  TimePoint rate_start{};
  std::uint64_t window_sent_bytes = 0, window_recv_bytes = 0;
  double send_rate_mbps = 0, recv_rate_mbps = 0;
};

// The FEC receiver's sink: rebuilt packets and unrecoverable sequences come
// back here (at fec_now).
struct Connection::Impl final : FecSink {
  Impl(const ConnectionConfig &config, Role role, const NetAddress &local, const NetAddress &peer,
       Random &random, TimePoint now);

  // ---- connection.cpp ----
  void emit(ConnectionEvent e) { events.push_back(std::move(e)); }
  void fail(ConnectionEvent::Kind kind, std::uint32_t code, std::string detail);
  // The handshake is done: `peer_ts` is the timestamp of the peer's packet
  // that completed it (arrived at `now`), the TSBPD time base.
  void become_connected(TimePoint now, std::uint32_t peer_ts, std::uint32_t recv_isn,
                        const Latencies &lat, std::uint32_t peer_flags,
                        std::optional<Duration> handshake_rtt);
  std::uint32_t ts(TimePoint now) const { return wire_timestamp(start, now); }

  // ---- connection_handshake.cpp ----
  void start_caller(TimePoint now);
  void start_rendezvous(TimePoint now);
  void send_handshake_request(TimePoint now);
  void handle_handshake(TimePoint now, const ControlPacketView &pkt);
  void caller_on_handshake(TimePoint now, const ControlPacketView &pkt, const HandshakeView &hs);
  void rendezvous_on_handshake(TimePoint now, const ControlPacketView &pkt,
                               const HandshakeView &hs);
  void queue_handshake(TimePoint now, std::uint32_t type, bool with_hsreq, bool with_hsrsp);
  void rendezvous_responder_connect(TimePoint now);
  void reject_peer(TimePoint now, RejectReason reason, std::uint32_t dest);
  std::size_t write_conclusion_response(TimePoint now, MutableByteSpan out);
  void handshake_timer(TimePoint now);
  // Initiator: the responder's KMRSP; false when refused (already reported).
  bool accept_kmrsp(TimePoint now, const PeerConclusion &pc, bool rendezvous);
  // A refusal of ours or the peer's, with what to do about encryption.
  std::string refusal_detail(const char *who, std::uint32_t code) const;
  // Caller in a group: why the listener's GROUP answer is unacceptable.
  std::optional<std::string> check_group_answer(const std::optional<GroupExt> &answer) const;

  // ---- connection_data.cpp ----
  void on_data(TimePoint now, const DataPacketView &pkt);
  void on_control(TimePoint now, const ControlPacketView &pkt);
  void on_ack(TimePoint now, const ControlPacketView &pkt);
  void on_nak(TimePoint now, const ControlPacketView &pkt);
  std::optional<TimePoint> head_timeout() const;
  void on_ackack(TimePoint now, const ControlPacketView &pkt);
  void on_drop_request(TimePoint now, const ControlPacketView &pkt);
  void on_km(TimePoint now, const ControlPacketView &pkt);
  void send_kmreq(TimePoint now);
  void report_gap(TimePoint now, const SeqRange &gap);
  void queue_nak(TimePoint now, std::span<const SeqRange> ranges);
  void queue_ack(TimePoint now, const AckToSend &a);
  void queue_drop_request(TimePoint now, const DropRequest &d);
  void queue_simple(TimePoint now, ControlType type);
  std::size_t write_data(TimePoint now, MutableByteSpan out);
  std::optional<MessageInfo> receive(TimePoint now, MutableByteSpan out);
  void after_delivery();
  void member_gap(TimePoint now, std::uint32_t first, std::uint32_t last);
  // Packet filter: a gap found by an arriving packet, by arq level; a
  // rebuilt packet; what FEC gave up on.
  void on_gap(TimePoint now, const SeqRange &gap);
  void on_rebuilt(const DataHeader &h, ByteSpan payload) override;
  void on_unrecoverable(std::uint32_t first, std::uint32_t last) override;
  TimePoint fec_now{};
  void start_filter();
  void prune_member_losses();

  // ---- connection_timers.cpp ----
  void timers(TimePoint now);
  std::optional<TimePoint> deadline(bool with_delivery = true) const;

  // ---- connection_stats.cpp ----
  void count_rates(TimePoint now);
  Stats stats(TimePoint now) const;

  ConnectionConfig config;
  Role role;
  NetAddress local;
  NetAddress peer;
  Random &random;
  TimePoint start;  // our timestamp origin
  std::uint32_t socket_id;
  std::uint32_t peer_socket_id = 0;
  std::uint32_t isn;  // what we send first
  ConnectionState state = ConnectionState::kConnecting;
  Negotiated negotiated;
  std::deque<ConnectionEvent> events;
  ControlQueue ctrl;

  // Handshake.
  HsPhase phase = HsPhase::kDone;
  std::uint32_t cookie = 0;       // caller: the listener's; rendezvous: ours
  std::uint32_t peer_cookie = 0;  // rendezvous
  bool initiator = false;         // rendezvous: we send HSREQ
  TimePoint hs_next{};            // next repeat of our request
  TimePoint hs_last_sent{};       // for the handshake RTT
  TimePoint connect_deadline{};
  // Rendezvous responder: what the initiator's HSREQ settled, applied when
  // its agreement (or any packet) confirms the connection.
  Latencies rdv_latencies{};
  std::uint32_t rdv_peer_isn = 0;
  std::uint32_t rdv_peer_flags = 0;
  std::uint32_t rdv_peer_ts = 0;
  TimePoint rdv_arrival{};
  // Accepted side: the conclusion response, kept for repeats.
  std::array<std::uint8_t, kMaxHandshakeResponse> hs_response{};
  std::size_t hs_response_size = 0;

  // Encryption: null when the connection runs in clear text.
  std::shared_ptr<StreamCrypto> crypto;
  KmState km_state = KmState::kUnsecured;
  // Our refreshed keys' KMREQ, repeated until the peer's KMRSP echoes it.
  bool km_pending = false;
  int km_tries = 0;
  TimePoint km_next{};
  // Decrypted payload of the packet being received (no allocation).
  std::array<std::uint8_t, kMaxDatagram> plain{};

  std::optional<Session> s;
  TimePoint last_sent{};
  TimePoint last_received{};
  Counters n;
};

}  // namespace srtcore::srt
