// Sender buffer of a live SRT connection: packets from the application wait
// here to be sent, then stay until acknowledged so that NAK'd ones can be
// retransmitted. A fixed ring of `capacity` packets; no allocation per packet.
//
//   buf.push(message, origin_time);                 // application input
//   if (auto p = buf.next_unsent(now)) send(*p);    // new data, in order
//   if (auto p = buf.retransmit(seq, now)) send(*p);// NAK'd (R flag set)
//   buf.ack(ack_seq);                               // peer has all before ack_seq
//   if (auto d = buf.drop_too_late(now, thr)) ...   // give up stale packets
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "srt/bytes.hpp"
#include "srt/control.hpp"
#include "srt/packet.hpp"
#include "srt/slot_store.hpp"
#include "srt/seq.hpp"
#include "srt/time.hpp"

namespace srtcore::srt {

struct SendBufferConfig {
  std::size_t capacity = 8192;  // packets
  std::size_t max_payload = kLiveDefaultPayloadSize;
  TimePoint start_time{};  // connection start: packet timestamps count from it
};

// A packet to put on the wire. dest_socket and the key flags are the
// connection's to fill; `payload` is valid until the buffer next changes.
struct SendPacket {
  DataHeader header;
  ByteSpan payload;
  TimePoint origin;     // when the application handed the message over
  std::uint32_t sends;  // times sent, this one included
};

struct SendBufferStats {
  std::uint64_t dropped_packets = 0;  // given up by drop_too_late (libsrt pktSndDrop)
  std::uint64_t dropped_bytes = 0;
  std::uint64_t rejected_messages = 0;  // push() found no room
};

class SendBuffer {
 public:
  // libsrt SRT_TLPKTDROP_MINTHRESHOLD_MS and the 2 * 10 ms reaction margin.
  static constexpr Duration kMinDropThreshold = std::chrono::milliseconds(1000);
  static constexpr Duration kDropMargin = std::chrono::milliseconds(20);

  SendBuffer(const SendBufferConfig &config, std::uint32_t isn);

  // Splits the message into packets of at most max_payload bytes (PP first,
  // middle, last; solo when one) with a new message number. All or nothing:
  // returns the packets stored, 0 when the message is empty or does not fit.
  std::size_t push(ByteSpan message, TimePoint origin, bool in_order = false);
  // The same with the message number a group assigned (every member stamps
  // a message alike).
  // `elsewhere`: another link carries it (balancing); this one only keeps it
  // to retransmit when asked, and next_unsent passes it by.
  std::size_t push_numbered(ByteSpan message, TimePoint origin, std::uint32_t msgno,
                            bool elsewhere = false);
  std::uint32_t next_msgno() const { return next_msgno_; }
  // Group member: forgets everything held and continues at `seq`, with
  // timestamps counted from `start_time` (the group's origin).
  void rebase(std::uint32_t seq, TimePoint start_time);
  // A held packet as it would be sent, without marking it (group history).
  std::optional<SendPacket> peek(std::uint32_t seq) const;
  // Group history: forgets everything before `seq` (acknowledged through
  // some member), sent from here or not.
  void release_before(std::uint32_t seq);

  bool has_unsent() const { return send_ != end_; }
  // The oldest packet never sent; marks it sent at `now`.
  std::optional<SendPacket> next_unsent(TimePoint now);
  // A sent, unacknowledged packet again, R flag set; nullopt when `seq` was
  // acknowledged, dropped or never sent.
  std::optional<SendPacket> retransmit(std::uint32_t seq, TimePoint now);
  std::optional<TimePoint> last_send_time(std::uint32_t seq) const;
  // libsrt's retransmission damping (packLostData, SRTO_RETRANSMITALGO 1):
  // a packet retransmitted less than SRTT - 4 RTTVar ago is not sent again
  // for a repeated NAK (that NAK left before the retransmission arrived).
  // The first retransmission is always allowed. libsrt also skips at exactly
  // SRTT - 4 RTTVar; we send, since a NAK that old may already report the
  // retransmission lost. False when `seq` is not held.
  bool retransmit_allowed(std::uint32_t seq, TimePoint now, Duration srtt, Duration rttvar) const;

  // The peer holds everything before `ack_seq`. Returns the packets released
  // (0 for an old ACK), or nullopt when `ack_seq` is past anything sent,
  // which only a broken or hostile peer does.
  std::optional<std::uint32_t> ack(std::uint32_t ack_seq);

  // Gives up packets whose origin is older than now - threshold, acknowledged
  // or not, sent or not. Returns the range for a DROPREQ (msgno 0 unless the
  // range is one message).
  std::optional<DropRequest> drop_too_late(TimePoint now, Duration threshold);
  // libsrt's sender drop threshold: max(peer latency + SNDDROPDELAY, 1 s) +
  // 20 ms; nullopt (never drop) when SNDDROPDELAY is negative.
  static std::optional<Duration> drop_threshold(Duration peer_latency, Duration snd_drop_delay);

  std::uint32_t first_seq() const { return first_; }     // oldest held
  std::uint32_t next_send_seq() const { return send_; }  // next new one to send
  std::uint32_t end_seq() const { return end_; }         // next to be assigned
  std::size_t size() const { return static_cast<std::size_t>(seq_diff(end_, first_)); }
  std::size_t free() const { return store_.size() - size(); }
  std::size_t bytes() const { return bytes_; }
  std::optional<TimePoint> oldest_origin() const;
  const SendBufferStats &stats() const { return stats_; }

 private:
  struct Slot {
    PacketPosition position = PacketPosition::kSolo;
    bool in_order = false;
    std::uint16_t size = 0;
    std::uint32_t msgno = 0;
    std::uint32_t timestamp = 0;
    std::uint32_t sends = 0;
    TimePoint origin{};
    TimePoint last_sent{};
    TimePoint last_retransmit{};  // meaningful when sends > 1
    bool elsewhere = false;       // carried by another link of the group
  };

  std::size_t phys(std::uint32_t seq) const;
  SendPacket view(std::uint32_t seq, bool retransmitted) const;
  std::size_t push_impl(ByteSpan message, TimePoint origin, bool in_order, std::uint32_t msgno,
                        bool elsewhere);
  void pass_elsewhere();  // moves send_ past packets other links carry
  void release_front(std::size_t n);

  SendBufferConfig config_;
  SlotStore<Slot> store_;
  std::size_t head_ = 0;  // physical index of first_
  std::uint32_t first_;
  std::uint32_t send_;
  std::uint32_t end_;
  std::uint32_t next_msgno_ = 1;
  std::size_t bytes_ = 0;
  SendBufferStats stats_;
};

}  // namespace srtcore::srt
