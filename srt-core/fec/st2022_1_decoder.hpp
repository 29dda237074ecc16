// SMPTE 2022-1 FEC decoder (sans-I/O): media and FEC RTP packets in,
// rebuilt media packets out. It holds a bounded window of media packets and
// the FEC packets that cannot be used yet; a packet rebuilt from one
// direction is tried at once against the other (rows and columns help each
// other) in a loop, not a recursion.
//
// The geometry is learned from the FEC packets as gst-plugins-good's
// rtpst2022-1-fecdec does (a row's NA is L; a column's offset is L and its
// NA is D) and may not change afterwards. Storage is allocated when the
// geometry is learned, sized from it; nothing is allocated per packet.
// `now` (nanoseconds, from the caller's clock or buffer times) only ages
// packets out after `hold_ns`, the rtpst2022-1-fecdec size-time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace srtcore::fec {

struct St2022DecoderConfig {
  std::size_t max_payload = 1460;  // largest media payload kept and rebuilt
  std::uint64_t hold_ns = 1'000'000'000;
  std::size_t min_window = 256;    // media packets kept before the geometry is known
  std::size_t max_window = 16384;  // whatever the geometry asks
};

struct St2022DecoderStats {
  std::uint64_t media = 0;
  std::uint64_t media_invalid = 0;    // not RTP
  std::uint64_t media_duplicate = 0;  // already held (received or rebuilt)
  std::uint64_t media_unusable = 0;   // too large to keep, or older than the window
  std::uint64_t fec = 0;
  std::uint64_t fec_malformed = 0;  // see on_fec
  std::uint64_t fec_stale = 0;      // its group left the window before it could help
  std::uint64_t fec_evicted = 0;    // dropped unused for room
  std::uint64_t recovered = 0;
};

enum class St2022MediaResult { fresh, duplicate, invalid };

enum class St2022FecResult {
  used,      // rebuilt a media packet
  held,      // two or more of its packets missing: kept for later
  complete,  // nothing of its group missing
  stale,     // its group is gone from the window
  malformed  // dropped: see on_fec
};

class St2022Decoder {
 public:
  explicit St2022Decoder(const St2022DecoderConfig &config = {});

  // A media RTP packet. `fresh` packets go on downstream; duplicates need not.
  St2022MediaResult on_media(std::span<const std::uint8_t> rtp, std::uint64_t now);
  // An FEC RTP packet. Malformed: not RTP; shorter than the 2022-1 header; a
  // type other than XOR or N set; NA or offset 0; a row offset other than 1;
  // a geometry other than the one learned; a group wider than the window; a
  // payload above max_payload; an SNBase far ahead of the stream; a rebuilt
  // length beyond the FEC payload.
  St2022FecResult on_fec(std::span<const std::uint8_t> rtp, std::uint64_t now);
  // Media packets rebuilt by the last on_media/on_fec, in the order they
  // were rebuilt: whole RTP packets (12-byte header, SSRC of the media
  // stream, no CSRC, extension or padding) valid until the next call.
  std::optional<std::span<const std::uint8_t>> poll_recovered();

  unsigned columns() const { return l_; }  // 0 until learned
  unsigned rows() const { return d_; }
  std::size_t window() const { return media_.size(); }
  const St2022DecoderStats &stats() const { return stats_; }
  void set_hold(std::uint64_t ns) { config_.hold_ns = ns; }
  void reset();

 private:
  struct MediaSlot {
    std::int64_t ext = -1;  // extended sequence number held, -1 none
    std::uint64_t arrival = 0;
    std::uint16_t length = 0;
    std::uint8_t pt = 0;
    bool marker = false;
    bool oversize = false;  // seen, but its payload was not kept
    std::uint32_t timestamp = 0;
  };
  struct FecSlot {
    bool used = false;
    bool queued = false;
    std::int64_t base = 0;
    std::uint8_t offset = 0;
    std::uint8_t na = 0;
    std::uint16_t length_recovery = 0;
    std::uint8_t pt_recovery = 0;
    bool marker = false;
    std::uint32_t ts_recovery = 0;
    std::uint16_t payload_length = 0;
    std::uint64_t arrival = 0;
  };

  std::int64_t extend(std::uint16_t seq) const;
  bool present(std::int64_t ext) const;
  bool in_window(std::int64_t ext) const;
  MediaSlot &slot(std::int64_t ext) { return media_[static_cast<std::size_t>(ext) & mask_]; }
  const MediaSlot &slot(std::int64_t ext) const {
    return media_[static_cast<std::size_t>(ext) & mask_];
  }
  std::uint8_t *slot_bytes(std::int64_t ext);
  std::uint8_t *fec_bytes(std::size_t i) { return fec_bytes_.data() + i * config_.max_payload; }
  bool learn(bool row, unsigned l, unsigned d);
  void resize(std::size_t window, std::size_t fec_slots);
  void expire();
  void free_fec(std::size_t i);
  void queue_covering(std::int64_t ext);
  // Returns what happened to FEC slot i (freed unless held).
  St2022FecResult check(std::size_t i);
  bool rebuild(const FecSlot &f, std::size_t i, std::int64_t target);
  void run();

  St2022DecoderConfig config_;
  St2022DecoderStats stats_;
  unsigned l_ = 0;
  unsigned d_ = 0;
  std::uint64_t now_ = 0;
  bool started_ = false;
  std::int64_t highest_ = 0;  // newest extended media sequence number
  std::uint32_t ssrc_ = 0;

  std::size_t mask_ = 0;
  std::vector<MediaSlot> media_;
  std::vector<std::uint8_t> media_bytes_;  // per slot: 12-byte header + max_payload
  std::vector<FecSlot> fec_;
  std::vector<std::uint8_t> fec_bytes_;
  std::vector<std::size_t> active_;  // used FEC slots
  std::vector<std::size_t> work_;    // FEC slots to check
  std::vector<std::int64_t> out_;    // rebuilt, to poll
  std::size_t out_next_ = 0;
};

}  // namespace srtcore::fec
