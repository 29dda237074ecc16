// Receiver buffer of a live SRT connection: packets stored by sequence number
// in a fixed ring (the flow window), handed out whole messages at their TSBPD
// play time, with too-late packet drop (TLPKTDROP).
//
//   auto r = buf.insert(now, header, payload);      // data packet arrived
//   if (r.gap) nak_now(*r.gap);                     // newly detected loss
//   while (auto d = buf.poll(now, out)) ...         // messages and drops, in order
//   timer = buf.next_delivery_time();
//   ack_number_field = buf.ack_seq();
//
// Messages are delivered whole (PP solo, or first..last with every packet
// present) or dropped whole. With TLPKTDROP, a missing packet at the head is
// given up when a later packet is due: everything before that packet is
// dropped and reported as one range.
#pragma once

#include <algorithm>
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
#include "srt/tsbpd.hpp"

namespace srtcore::srt {

struct ReceiveBufferConfig {
  std::size_t capacity = 8192;  // packets: the flow window we advertise
  std::size_t max_payload = kMaxPayloadSize;
  Duration latency = std::chrono::milliseconds(120);
  bool tlpktdrop = true;
  DriftTracer drift_tracer{};
};

enum class InsertStatus : std::uint8_t {
  kInserted,
  kDuplicate,    // already in the buffer
  kBelated,      // before the delivery point (delivered or dropped already)
  kOutOfWindow,  // at or beyond start + capacity: not stored, not NAKed
  kOversized,    // payload larger than max_payload
};

struct InsertResult {
  InsertStatus status = InsertStatus::kInserted;
  // Sequences found missing by this packet (it came after a hole): NAK them now.
  std::optional<SeqRange> gap;
};

// One item out of poll(): a message, or a run of sequences given up.
struct Delivery {
  enum class Kind : std::uint8_t { kMessage, kDrop };
  Kind kind = Kind::kMessage;
  std::uint32_t first_seq = 0;
  std::uint32_t last_seq = 0;  // inclusive
  std::uint32_t packets = 0;   // packets in the message, or sequences dropped
  // Messages only:
  std::uint32_t msgno = 0;
  std::uint32_t timestamp = 0;  // sender timestamp of the first packet
  TimePoint play_time{};
  std::size_t size = 0;    // message bytes (more than copied when truncated)
  bool truncated = false;  // `out` was smaller than the message
};

struct ReceiveBufferStats {
  std::uint64_t received = 0;  // every data packet offered, duplicates included
  std::uint64_t received_bytes = 0;
  std::uint64_t retransmitted = 0;  // R flag set (libsrt pktRcvRetrans)
  std::uint64_t duplicates = 0;
  std::uint64_t belated = 0;  // libsrt pktRcvBelated
  std::uint64_t out_of_window = 0;
  std::uint64_t oversized = 0;
  std::uint64_t delivered_messages = 0;
  std::uint64_t delivered_packets = 0;
  std::uint64_t delivered_bytes = 0;
  std::uint64_t dropped_packets = 0;  // sequences given up (libsrt pktRcvDrop)
  std::uint64_t dropped_bytes = 0;    // payload of stored packets thrown away with them
};

class ReceiveBuffer {
 public:
  // `isn`: the peer's initial sequence number (first expected packet).
  ReceiveBuffer(const ReceiveBufferConfig &config, std::uint32_t isn);

  TsbpdTime &tsbpd() { return tsbpd_; }
  const TsbpdTime &tsbpd() const { return tsbpd_; }

  InsertResult insert(TimePoint now, const DataHeader &header, ByteSpan payload);

  // Next message whose play time has come, or the next run of sequences
  // given up (TLPKTDROP, sender drop requests, fragments of messages whose
  // start is gone). Message payload is copied to `out`. Without a TSBPD time
  // base (tsbpd().enabled() false) complete messages go out at once.
  std::optional<Delivery> poll(TimePoint now, MutableByteSpan out);

  // When poll() will next have something; a time at or before the caller's
  // now means "poll now". nullopt: only a new packet can change that.
  std::optional<TimePoint> next_delivery_time() const;

  // The peer's drop request: [first, last] will never come. Marked as given
  // up, so the ACK moves past them and poll() reports them without waiting.
  struct DropResult {
    std::uint32_t marked = 0;     // sequences newly given up
    std::optional<SeqRange> gap;  // sequences before `first` now known missing
  };
  DropResult drop_range(TimePoint now, std::uint32_t first, std::uint32_t last);

  std::uint32_t start_seq() const { return start_; }  // next to deliver
  std::uint32_t ack_seq() const { return ack_; }      // first not received (ACK field)
  std::uint32_t end_seq() const { return end_; }      // one past the newest received
  std::size_t capacity() const { return store_.size(); }
  // Free slots after the newest packet (the ACK's available-buffer field).
  std::size_t available() const;
  const ReceiveBufferStats &stats() const { return stats_; }

  // Calls f(SeqRange) for each run of sequences in [first, last] that is
  // still to come: not stored, not given up, not delivered (a group
  // member's own loss, when the group's buffer is shared by several links).
  template <class F>
  void for_each_missing(std::uint32_t first, std::uint32_t last, F &&f) const {
    if (seq_lt(first, start_)) first = start_;
    if (seq_gt(first, last)) return;
    const auto cap = static_cast<std::int32_t>(store_.size());
    if (seq_diff(last, start_) >= cap) last = seq_add(start_, cap - 1);
    if (seq_gt(first, last)) return;
    const auto from = static_cast<std::size_t>(seq_diff(first, start_));
    const auto to = static_cast<std::size_t>(seq_diff(last, start_)) + 1;
    const std::size_t w = window();
    const std::size_t in_to = std::min(to, w);
    std::size_t off = from;
    while (off < in_to) {
      const std::size_t hole = find_next(used_bits_, off, in_to, false);
      if (hole >= in_to) break;
      const std::size_t filled = find_next(used_bits_, hole, in_to, true);
      f(SeqRange{seq_add(start_, static_cast<std::int32_t>(hole)),
                 seq_add(start_, static_cast<std::int32_t>(filled) - 1)});
      off = filled;
    }
    if (to > w) {
      const std::size_t lo = std::max(from, w);
      f(SeqRange{seq_add(start_, static_cast<std::int32_t>(lo)), last});
    }
  }

 private:
  // What a held packet needs besides its payload. Whether a slot is empty,
  // holds a packet or was given up lives in the two bitmaps below, so empty
  // and given-up slots need no memory of their own.
  struct Slot {
    PacketPosition position = PacketPosition::kSolo;
    std::uint16_t size = 0;
    std::uint32_t msgno = 0;
    std::uint32_t timestamp = 0;
    std::int64_t ts = 0;  // unwrapped timestamp
  };
  struct Scan {
    enum class What : std::uint8_t {
      kNothing,
      kMessage,      // a whole message of `count` packets at the head
      kDropNow,      // the first `count` sequences can never make a message
      kDropWhenDue,  // TLPKTDROP: give up the first `count` when packet `count` is due
    };
    What what = What::kNothing;
    std::size_t count = 0;
  };

  std::size_t phys(std::size_t offset) const;
  std::size_t window() const;  // end_ - start_
  std::size_t find_next(const std::vector<std::uint64_t> &bits, std::size_t from, std::size_t to,
                        bool set) const;
  static bool bit(const std::vector<std::uint64_t> &bits, std::size_t p);
  void set_bit(std::vector<std::uint64_t> &bits, std::size_t p, bool on);
  Scan scan_head() const;
  std::optional<TimePoint> due_time(const Scan &scan) const;
  void skip(TimePoint now, std::size_t n);
  void normalize_head(TimePoint now);
  void advance_ack();
  Delivery deliver(TimePoint now, std::size_t n, MutableByteSpan out);

  ReceiveBufferConfig config_;
  TsbpdTime tsbpd_;
  SlotStore<Slot> store_;
  std::vector<std::uint64_t> used_bits_;    // kPacket or kGivenUp (for the ACK)
  std::vector<std::uint64_t> packet_bits_;  // kPacket only (for TLPKTDROP)
  std::size_t head_ = 0;                    // physical index of start_
  std::uint32_t start_;
  std::uint32_t ack_;
  std::uint32_t end_;
  std::optional<Delivery> pending_drop_;
  TimePoint pending_since_{};
  ReceiveBufferStats stats_;
};

}  // namespace srtcore::srt
