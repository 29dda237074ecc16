// ULPFEC (RFC 5109) recovery (sans-I/O). A loss is repaired the way
// gst-plugins-good's rtpulpfecdec does it: when the jitterbuffer declares a
// packet lost, the packets of the stream held around it (media and FEC,
// from an RtpStorage or any other history) are handed in, and every FEC
// packet that misses exactly one of the packets its mask protects rebuilds
// that one; rebuilt packets count as received for the other FEC packets, in
// a loop until nothing changes (so chains across masks are followed).
//
// The window is bounded: packets within +-kWindow sequence numbers of the
// lost one are kept (a 48-packet mask and the FEC packets after it fit many
// times), one slot per sequence number (media and FEC packets share them,
// as the C encoder and libwebrtc number them); everything else is dropped
// and counted. Rebuilt packets are also remembered (a bounded ring) and join
// the next windows, as the C decoder puts them back into its storage.
// Storage is allocated at construction; nothing per packet.
#pragma once

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace srtcore::fec {

struct UlpfecRecoveryConfig {
  std::size_t max_packet = 1500;  // largest media RTP packet kept or rebuilt (the MTU)
  std::size_t remembered = 128;   // rebuilt packets kept for later windows
  // ... for at most this long (by begin's `now`), so that none outlives a
  // wrap of the sequence numbers (the C decoder's storage ages them too).
  std::uint64_t remember_ns = 2'000'000'000;
};

struct UlpfecRecoveryStats {
  std::uint64_t windows = 0;
  std::uint64_t media = 0;
  std::uint64_t fec = 0;
  std::uint64_t fec_malformed = 0;    // not RTP, too short, E set, wrong lengths, empty mask
  std::uint64_t fec_stale = 0;        // its mask reaches outside the window (packets long gone)
  std::uint64_t fec_duplicate = 0;    // its sequence number already held
  std::uint64_t fec_bad_rebuild = 0;  // a rebuilt length beyond its FEC payload or max_packet,
                                      // or a payload type the stream does not use
  std::uint64_t media_dropped = 0;    // not RTP, outside the window, above max_packet
  std::uint64_t recovered = 0;
};

// Which packets of a window can matter for the lost one, from the FEC
// packets' masks alone (sequence number, SN base, mask: no payload read):
// the lost packet, the FEC packets whose masks reach it, the packets those
// protect, and so on (the connected part of the FEC graph). Peeling never
// uses anything else, so a caller can copy just these from its storage.
class UlpfecSelection {
 public:
  void begin(std::uint16_t lost);
  // An FEC packet of the window (its own sequence number, SN base, mask).
  void fec(std::uint16_t seq, std::uint16_t sn_base, std::uint64_t mask);
  // Closes the selection; then wanted() answers.
  void close();
  bool wanted(std::uint16_t seq) const;

 private:
  static constexpr int kWindow = 128;
  static constexpr std::size_t kSlots = 2 * kWindow + 1;
  using Bits = std::bitset<kSlots>;  // window offsets
  struct Fec {
    Bits protects;  // its packets in the window, and itself
    bool in = false;
  };
  std::optional<std::size_t> index(std::uint16_t seq) const;
  std::uint16_t lost_ = 0;
  Bits wanted_;
  std::vector<Fec> fec_ = std::vector<Fec>(kSlots);
  std::size_t count_ = 0;
};

class UlpfecRecovery {
 public:
  static constexpr int kWindow = 128;

  explicit UlpfecRecovery(const UlpfecRecoveryConfig &config = {});

  // Starts a window around `lost`. `media_pt` is the stream's payload type
  // (-1 unknown): a rebuilt packet must carry it, or that of a packet held.
  // `now` (nanoseconds, any monotonic clock) ages the remembered packets.
  void begin(std::uint16_t lost, std::uint8_t fec_pt, std::uint32_t ssrc, int media_pt,
             std::uint64_t now = 0);
  // One packet of the stream (a whole RTP packet, padding included): FEC if
  // its payload type is fec_pt, media otherwise.
  void add(std::span<const std::uint8_t> rtp);
  // A payload type the stream uses (a packet of the window not handed in).
  void note_media_pt(std::uint8_t pt) { pts_seen_.set(pt & 0x7F); }
  // Rebuilds what the window allows; returns how many packets were rebuilt.
  std::size_t run();
  // A media packet of the window (received or rebuilt).
  std::optional<std::span<const std::uint8_t>> media(std::uint16_t seq) const;
  // Whether `seq` was rebuilt by the last run().
  bool rebuilt(std::uint16_t seq) const;

  const UlpfecRecoveryStats &stats() const { return stats_; }
  void reset();

 private:
  enum class Kind : std::uint8_t { none, media, fec };
  struct Slot {
    Kind kind = Kind::none;
    bool rebuilt = false;
    bool used = false;  // FEC: complete, or gave its packet (or could not)
    bool long_mask = false;
    std::uint16_t length = 0;  // media: whole packet; FEC: its payload (headers included)
    std::uint16_t sn_base = 0;
    std::uint64_t mask = 0;
  };

  static constexpr std::size_t kSlots = 2 * kWindow + 1;
  std::optional<std::size_t> index(std::uint16_t seq) const;
  bool is_media(std::size_t i) const { return slots_[i].kind == Kind::media; }
  std::uint8_t *bytes(std::size_t i) { return bytes_.data() + i * stride_; }
  const std::uint8_t *bytes(std::size_t i) const { return bytes_.data() + i * stride_; }
  void add_media(std::span<const std::uint8_t> rtp, bool rebuilt);
  void add_fec(std::span<const std::uint8_t> rtp);
  bool rebuild(std::size_t f, std::size_t target);
  bool pt_known(std::uint8_t pt) const { return media_pt_ == pt || pts_seen_.test(pt & 0x7F); }
  void remember(std::size_t i);
  void recall(std::size_t i);  // a remembered packet into an empty slot, if there is one

  UlpfecRecoveryConfig config_;
  UlpfecRecoveryStats stats_;
  std::size_t fec_max_;  // largest FEC payload: long headers + max_packet - 12
  std::size_t stride_;
  std::uint16_t lost_ = 0;
  std::uint8_t fec_pt_ = 0;
  std::uint32_t ssrc_ = 0;
  int media_pt_ = -1;
  std::bitset<128> pts_seen_;  // payload types of the media packets held

  std::vector<Slot> slots_;
  std::vector<std::uint8_t> bytes_;
  std::vector<std::uint16_t> fec_slots_;  // slots holding FEC packets, in arrival order
  std::vector<std::uint8_t> scratch_;     // the recovery bit string

  // Rebuilt packets remembered across windows (ring).
  std::vector<std::uint8_t> memory_bytes_;
  std::vector<std::uint16_t> memory_len_;
  std::vector<std::uint64_t> memory_time_;
  std::uint64_t now_ = 0;
  std::size_t memory_next_ = 0;
  std::size_t memory_count_ = 0;
};

}  // namespace srtcore::fec
