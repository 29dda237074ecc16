// Receiving side of SRT's FEC packet filter (sans-I/O). Data packets (as
// they arrived, before decryption) and FEC packets (message number 0) go
// in; rebuilt packets and, once a missing packet is past every group that
// could rebuild it, the unrecoverable sequences come out through a sink.
//
// Rebuilding: a group whose FEC packet and all but one of its packets are
// here yields the missing one (its payload, length, KK flags and
// timestamp); the rebuilt packet then joins its other group, which may
// rebuild another, and so on (rows and columns help each other).
//
// Bounded memory, allocated at construction: a window of about four
// matrices of reception bits and the groups that fit in it. Malformed FEC
// packets (too short, an index or a sequence that fits no group, beyond the
// window, a duplicate, a rebuilt length beyond the clip or the payload
// limit) and FEC packets for groups already gone are dropped and counted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "fec/xor_parity.hpp"
#include "srt/fec_geometry.hpp"
#include "srt/fec_packet.hpp"

namespace srtcore::srt {

class FecSink {
 public:
  // A rebuilt packet (R flag set, message number 1, position solo, as
  // libsrt's); `payload` is valid during the call only.
  virtual void on_rebuilt(const DataHeader &h, ByteSpan payload) = 0;
  // [first, last] are missing and no FEC packet can rebuild them any more.
  virtual void on_unrecoverable(std::uint32_t first, std::uint32_t last) = 0;

 protected:
  virtual ~FecSink() = default;
};

struct FecReceiverStats {
  std::uint64_t fec_packets = 0;    // FEC packets taken (pktRcvFilterExtra)
  std::uint64_t rebuilt = 0;        // packets rebuilt (pktRcvFilterSupply)
  std::uint64_t unrecoverable = 0;  // sequences reported unrecoverable
  std::uint64_t malformed = 0;      // FEC packets (or rebuilds) refused as malformed
  std::uint64_t stale = 0;          // FEC packets for groups no longer held
  std::uint64_t duplicate = 0;      // a second FEC packet for a group
};

class FecReceiver {
 public:
  // `isn`: the first sequence number the peer sends; `max_payload`: the
  // largest payload a rebuilt packet may have (the MTU's limit).
  FecReceiver(const FecParams &params, std::uint32_t isn, std::size_t max_payload);

  // A data packet that arrived (each sequence once; repeats are ignored).
  void on_data(const DataHeader &h, ByteSpan payload, FecSink &sink);
  // A message-number-0 packet. False when dropped (counted).
  bool on_fec(const DataHeader &h, ByteSpan payload, FecSink &sink);

  const FecReceiverStats &stats() const { return stats_; }
  std::size_t window() const { return cells_.size(); }

  // For a link whose peer may start its FEC rows elsewhere than at the
  // handshake's ISN (libsrt's group members: their filter starts where the
  // group's sequence stood when the member joined): the ISN that makes this
  // row FEC packet close a row, when it does not already; nullopt for
  // anything else (aligned, not a row FEC packet, malformed).
  std::optional<std::uint32_t> row_aligned_isn(const DataHeader &h, ByteSpan payload) const;

 private:
  struct Group {
    std::int64_t tag = -1;  // row index, or column series
    std::int64_t first = 0;
    int step = 1;
    int size = 0;
    bool column = false;
    bool fec = false;
    bool done = false;
    std::size_t clip_len = 0;
    fec::ParityGroup parity;
  };

  std::int64_t offset_of(std::uint32_t seq) const;
  std::uint32_t seq_of(std::int64_t off) const;
  void note_offset(std::int64_t off, std::uint32_t seq);
  void slide_window(std::int64_t newest, FecSink &sink);
  bool has(std::int64_t off) const;
  void mark(std::int64_t off);
  Group *row_group(std::int64_t row);
  Group *column_group(int index, std::int64_t series);
  Group *other_group(const Group &g, std::int64_t off);
  void add_data(std::int64_t off, const fec::Clip &clip, ByteSpan payload, FecSink &sink);
  void rebuild_from(Group *g, FecSink &sink);
  void decide(std::int64_t force_below, FecSink &sink);

  FecGeometry geo_;
  std::size_t max_payload_;
  std::uint32_t ref_seq_;  // sequence at offset ref_off_ (for unwrapping)
  std::int64_t ref_off_ = 0;
  std::int64_t newest_ = -1;         // highest offset seen
  std::int64_t lo_ = 0;              // lowest offset still held in cells_
  std::int64_t decided_ = 0;         // offsets below are judged (rebuilt, here, or reported)
  std::vector<std::uint8_t> cells_;  // 1: here (received or rebuilt); size a power of 2
  std::vector<std::uint8_t> memory_;
  std::vector<Group> rows_;
  std::vector<Group> cols_;  // series slot * cols + column index
  std::size_t series_slots_ = 0;
  FecReceiverStats stats_;
};

}  // namespace srtcore::srt
