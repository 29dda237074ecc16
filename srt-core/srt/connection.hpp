// One SRT connection in live mode (message API), sans-I/O: bytes and `now`
// in, datagrams, messages and events out, polled. No socket, no clock, no
// thread. The same object runs over real sockets (io/) and in virtual-time
// simulations.
//
// Lifecycle: a caller or rendezvous connection is constructed and sends its
// first handshake from poll_transmit; a listener-side connection is made by
// Listener when a caller's conclusion is accepted. Either way the owner then
// loops:
//   handle_datagram(now, bytes)         for each datagram for this socket id
//   handle_timeout(now)                 when now >= next_deadline()
//   while (n = poll_transmit(now, buf)) send buf[0..n) to peer()
//   while (e = poll_event()) ...        connected / rejected / broken / closed
//   while (m = receive_message(now, out, &info)) deliver
//
// The Random given to a Connection (and to a Listener) must outlive it.
// As in libsrt, both directions of a caller/listener connection start at
// the caller's initial sequence number; rendezvous peers each use their own.
// The sender respects the receiver's advertised room (flow window) and the
// LiveCC pace; retransmissions go before new data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "srt/address.hpp"
#include "srt/bytes.hpp"
#include "srt/control.hpp"
#include "srt/handshake.hpp"
#include "srt/random.hpp"
#include "srt/reject.hpp"
#include "srt/stats.hpp"
#include "srt/time.hpp"

namespace srtcore::srt {

// The options libsrt users set (SRTO_*), with libsrt's live-mode defaults.
// libsrt's SRTO_CRYPTOMODE values.
enum class CryptoMode : std::uint8_t { kAuto = 0, kAesCtr = 1, kAesGcm = 2 };

struct ConnectionConfig {
  Duration recv_latency = std::chrono::milliseconds(120);  // SRTO_RCVLATENCY
  Duration peer_latency = std::chrono::milliseconds(0);    // SRTO_PEERLATENCY
  std::string stream_id;                                   // SRTO_STREAMID (caller)
  std::size_t payload_size = 1316;                         // SRTO_PAYLOADSIZE
  std::uint32_t mss = 1500;                                // SRTO_MSS
  std::uint32_t flow_window = 25600;                       // SRTO_FC
  std::int64_t maxbw = -1;   // bytes/s; -1: 1 Gbit/s; 0: inputbw * (1 + oheadbw)
  std::int64_t inputbw = 0;  // bytes/s; 0: estimated from what the app sends
  int oheadbw = 25;          // percent over input rate, 5..100
  bool tlpktdrop = true;     // SRTO_TLPKTDROP
  bool nakreport = true;     // SRTO_NAKREPORT (periodic NAK)
  Duration connect_timeout = std::chrono::milliseconds(3000);    // SRTO_CONNTIMEO
  Duration peer_idle_timeout = std::chrono::milliseconds(5000);  // SRTO_PEERIDLETIMEO
  std::size_t send_buffer_packets = 8192;
  std::size_t recv_buffer_packets = 8192;
  // Packets the pacer may send back to back when it is behind schedule (a
  // late wake-up). The I/O layer raises it so that one wake-up and one
  // batched (GSO) send carry several packets.
  std::uint32_t pacing_burst = 4;
  // Caller: join the peer as a member of this group (GROUP extension in the
  // conclusion). Set by bond::Group; rendezvous cannot join groups (libsrt).
  std::optional<GroupExt> group;
  // Caller: the initial sequence number to announce (a group's members all
  // start at the group's next sequence, as libsrt's); random when unset.
  std::optional<std::uint32_t> isn;
  // Encryption (AES-CTR), as libsrt with SRTO_ENFORCEDENCRYPTION on: empty
  // for none, else 10 to 79 characters, the same on both sides.
  std::string passphrase;  // SRTO_PASSPHRASE
  // SRTO_PBKEYLEN: 16, 24 or 32 bytes; 0: the listener's advertised length,
  // else 16. The responder always takes the initiator's length.
  std::size_t pbkeylen = 0;
  // Key refresh of what we send, in packets (SRTO_KMREFRESHRATE,
  // SRTO_KMPREANNOUNCE): a new key every km_refresh_rate packets, announced
  // km_preannounce packets before the switch, the old one retired as many
  // after. 0: libsrt's defaults (2^24 and 2^12). km_preannounce may be at
  // most (km_refresh_rate - 1) / 2.
  std::uint64_t km_refresh_rate = 0;
  std::uint64_t km_preannounce = 0;
  // SRTO_CRYPTOMODE (libsrt >= 1.5.2): 0 auto (an initiator uses AES-CTR, a
  // responder takes either), 1 AES-CTR, 2 AES-GCM. A responder refuses the
  // other explicit mode with SRT_REJ_CRYPTO.
  CryptoMode crypto_mode = CryptoMode::kAuto;
  // SRTO_PACKETFILTER: "fec,cols:10,rows:5,layout:staircase,arq:onreq" (see
  // filter_config.hpp), or just "fec" to accept the peer's; empty: none.
  // The two sides' strings are merged in the handshake (SRT_REJ_FILTER on a
  // conflict). Not with AES-GCM, and not on group members (refused).
  std::string packet_filter;
};

enum class Role : std::uint8_t { kCaller, kRendezvous, kAccepted };

enum class ConnectionState : std::uint8_t {
  kConnecting,  // handshake in progress
  kConnected,
  kClosed,  // shutdown sent or received, or rejected, or broken
};

// What the handshake settled, reported with kConnected.
struct Negotiated {
  Duration recv_latency{};  // TSBPD delay we apply to what we receive
  Duration send_latency{};  // TSBPD delay the peer applies to what we send
  std::string stream_id;    // the caller's, as the listener received it
  std::uint32_t peer_socket_id = 0;
  std::uint32_t peer_srt_version = 0;
  std::uint32_t send_isn = 0;                  // first sequence number we send
  std::uint32_t recv_isn = 0;                  // first sequence number the peer sends
  Duration handshake_rtt{};                    // first RTT sample (caller: request -> response)
  std::optional<GroupExt> group;               // ours, when the connection is a group member
  std::optional<GroupExt> peer_group;          // the peer's GROUP extension
  std::size_t key_length = 0;                  // AES key bytes; 0: not encrypted
  CryptoMode crypto_mode = CryptoMode::kAuto;  // the cipher in use; kAuto: none
  std::string packet_filter;  // the merged configuration both sides run; empty: none
};

struct ConnectionEvent {
  enum class Kind : std::uint8_t {
    kConnected,  // negotiated is filled
    kRejected,   // reject_code: what the peer (or we) answered; connection is closed
    kBroken,     // peer idle timeout or connect timeout; detail says which
    kClosed,     // the peer sent shutdown, or close() was called
  };
  Kind kind;
  std::uint32_t reject_code = 0;  // RejectReason or an application code >= 1000
  std::string detail;             // a sentence for logs and element errors
  Negotiated negotiated;
};

struct MessageInfo {
  std::uint32_t msg_no = 0;
  std::uint32_t first_seq = 0;
  std::size_t size = 0;         // whole message size (may exceed the out span: truncated)
  std::uint32_t timestamp = 0;  // SRT timestamp of the message's first packet
  TimePoint delivery_time{};    // local TSBPD time at which it became deliverable
  // Sequences given up (lost past latency, or dropped by the sender) between
  // the previous message and this one: the element sets DISCONT when > 0.
  std::uint32_t dropped_before = 0;
};

class ReceiveBuffer;

// The next message due in `buffer` at `now`, copied into `out`; sequences
// given up before it are added to `dropped`, which goes into the message's
// dropped_before and restarts at 0. For a connection and for a group that
// delivers from the buffer its members share.
std::optional<MessageInfo> next_message(ReceiveBuffer &buffer, TimePoint now, MutableByteSpan out,
                                        std::uint32_t &dropped);

// What a group needs to judge a member link (bond::Group).
struct LinkHealth {
  Duration srtt{};
  Duration rttvar{};
  bool rtt_measured = false;
  TimePoint last_received{};  // any packet from the peer
  std::uint64_t sent_unique = 0;
  std::uint64_t sent_total = 0;  // with retransmissions
  // Packets per second the peer received on this link, from its last full
  // ACK (ours count every arrival; libsrt's estimate ignores gaps).
  std::uint32_t peer_packet_rate = 0;
  std::uint64_t peer_recv_rate_bytes = 0;  // bytes/s, likewise
  std::uint64_t retransmitted = 0;
  std::uint64_t nak_reported = 0;             // sequences the peer reported lost
  std::size_t retransmit_backlog = 0;         // NAKed, not yet sent again
  std::size_t unacknowledged = 0;             // held in the send buffer
  std::optional<TimePoint> oldest_unacked{};  // source time of the oldest held
};

class Connection {
 public:
  // Caller (peer is a listener) or rendezvous (peer does the same). The first
  // handshake datagram comes from poll_transmit.
  Connection(const ConnectionConfig &config, Role role, const NetAddress &local,
             const NetAddress &peer, Random &random, TimePoint now);
  ~Connection();
  Connection(const Connection &) = delete;
  Connection &operator=(const Connection &) = delete;

  // Listener side: built by Listener from an accepted conclusion (see
  // listener.hpp); not for direct use.
  struct Accepted;
  Connection(const ConnectionConfig &config, const Accepted &accepted, Random &random,
             TimePoint now);

  std::uint32_t local_socket_id() const;
  // What the handshake settled (complete once connected).
  const Negotiated &negotiated() const;
  // Our timestamp origin (a group's first member lends it to the group).
  TimePoint start_time() const;
  const NetAddress &peer() const;
  ConnectionState state() const;
  Role role() const;

  // A datagram from peer() whose destination socket id is ours (or 0 during
  // the handshake). Malformed or unexpected input is dropped and counted in
  // stats(); it never changes state it should not.
  void handle_datagram(TimePoint now, ByteSpan bytes);

  // Queues one message of at most payload_size bytes. `origin` is the
  // message's source time (srctime); by default `now`. False when not
  // connected, too large, or the send buffer is full (counted).
  bool send_message(TimePoint now, ByteSpan message, std::optional<TimePoint> origin = {});
  // Packets the send buffer can still take.
  std::size_t send_capacity() const;

  // Writes the next datagram due at `now` into `out` (at least mss bytes) and
  // returns its size; 0 when nothing is due (pacing may hold data until
  // next_deadline()).
  std::size_t poll_transmit(TimePoint now, MutableByteSpan out);

  std::optional<ConnectionEvent> poll_event();

  // The next message whose TSBPD time has come, copied into `out`; nullopt
  // when none is due at `now`.
  std::optional<MessageInfo> receive_message(TimePoint now, MutableByteSpan out);

  // Earliest time at which handle_timeout or poll_transmit or
  // receive_message has work: timers, pacing, TSBPD delivery.
  std::optional<TimePoint> next_deadline() const;
  // next_deadline() without TSBPD delivery: when handle_timeout or
  // poll_transmit next has work. For owners whose application thread calls
  // receive_message itself at next_delivery_time().
  std::optional<TimePoint> next_timer_deadline() const;
  // Only the TSBPD part of next_deadline(): when receive_message will next
  // have something (at or before `now`: now). An I/O layer whose
  // application reads on its own thread waits on this one separately.
  std::optional<TimePoint> next_delivery_time() const;
  void handle_timeout(TimePoint now);

  // Sends shutdown (when connected) and closes; a kClosed event follows.
  void close(TimePoint now);

  Stats stats(TimePoint now) const;
  // libsrt's SRTO_KMSTATE: kSecured when encrypted, kUnsecured when not;
  // kSecuring while the handshake is under way with a passphrase; after a
  // refusal kBadSecret or kNoSecret.
  KmState km_state() const;

  // Accepted side: the conclusion response the Listener sent for us (kept
  // by the Listener to answer repeated conclusions).
  ByteSpan handshake_response() const;

  // ---- Group membership (bond::Group) ----
  // A connected member shares the group's timestamp origin, sequence space
  // and receive buffer: what it receives goes into the group's buffer (the
  // first copy wins), its ACKs say what the group holds (never past what
  // this link brought), it reports as lost only what no link brought, and
  // receive_message delivers nothing (the group does).
  struct GroupJoin {
    TimePoint now{};
    TimePoint start{};                   // the group's timestamp origin
    std::uint32_t send_seq = 0;          // next sequence the group assigns
    std::shared_ptr<ReceiveBuffer> rcv;  // the group's buffer; null: ours becomes it
    std::uint32_t recv_seq = 0;          // with rcv: the first sequence this link is to bring
    // A hole in what this link brings is a loss (broadcast, backup); with
    // balancing each link brings only its share and the group finds losses.
    bool link_gaps = true;
  };
  // Connected connections only; returns the group's receive buffer.
  std::shared_ptr<ReceiveBuffer> join_group(const GroupJoin &join);
  bool member() const;
  // Member: queues a message with the group's numbers. A sequence ahead of
  // what this link holds restarts its send buffer there (the group keeps
  // what was skipped); one this link already holds is not queued again.
  // `carry` false: another link carries it; this one keeps it only to
  // retransmit it when asked (balancing).
  bool send_numbered(TimePoint now, ByteSpan message, TimePoint origin, std::uint32_t seq,
                     std::uint32_t msgno, bool carry = true);
  // Member: the group found these missing (balancing): NAK them on this
  // link now, in one NAK, and until they arrive on any link.
  void report_losses(TimePoint now, std::span<const SeqRange> ranges);
  // Member: [first, last] goes again where still held (a backup link taking
  // over what was not acknowledged).
  void resend(std::uint32_t first, std::uint32_t last);
  std::uint32_t send_first_seq() const;  // oldest unacknowledged
  std::uint32_t send_end_seq() const;    // next to be queued
  LinkHealth health() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace srtcore::srt
