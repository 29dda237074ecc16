// FlexFEC (RFC 8627) decoder (sans-I/O): source RTP packets and repair
// packets in, rebuilt source packets out.
//
// Source streams are tracked per SSRC (up to max_streams, each a window of
// `window` packets); a repair packet may protect several of them (its CSRC
// list). Recovery is iterative: whenever a packet arrives or is rebuilt,
// every held repair packet that covers it is checked again, and one that
// misses exactly one protected packet rebuilds it, until nothing changes
// (a work list, not a recursion). Retransmission repair packets (R=1) give
// their packet back directly.
//
// Everything is allocated at construction (streams' windows on first use);
// hostile input is dropped and counted (see on_fec). `now` (nanoseconds)
// only ages repair packets out after hold_ns (the SDP's repair-window).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "fec/flexfec_header.hpp"
#include "rtp/bytes.hpp"

namespace srtcore::fec {

struct FlexFecDecoderConfig {
  std::size_t max_payload = 1460;  // source bytes after the fixed header kept and rebuilt
  std::size_t window = 1024;       // source packets kept per stream (rounded up to 2^n)
  std::size_t fec_slots = 128;     // repair packets held at once
  std::size_t max_streams = 4;     // source SSRCs tracked at once
  std::uint64_t hold_ns = 1'000'000'000;
};

struct FlexFecDecoderStats {
  std::uint64_t media = 0;
  std::uint64_t media_invalid = 0;    // not RTP
  std::uint64_t media_duplicate = 0;  // already held (received or rebuilt)
  std::uint64_t media_untracked = 0;  // too large to keep, older than the window, or no stream free
  std::uint64_t fec = 0;
  std::uint64_t fec_invalid = 0;         // malformed: see on_fec
  std::uint64_t fec_unknown_stream = 0;  // protects an SSRC never seen as source
  std::uint64_t fec_stale = 0;           // its packets left the window before it could help
  std::uint64_t fec_evicted = 0;         // dropped unused for room
  std::uint64_t recovered = 0;           // rebuilt from parity
  std::uint64_t retransmitted = 0;       // taken from retransmission repair packets
  std::uint64_t unrecovered = 0;  // source packets that left the window never received nor rebuilt
};

enum class FlexFecMediaResult { fresh, duplicate, invalid };
enum class FlexFecResult {
  used,            // rebuilt (or, R=1, restored) a source packet
  held,            // two or more of its packets missing: kept for later
  complete,        // nothing it protects is missing
  stale,           // what it protects left the window
  unknown_stream,  // protects a source SSRC not tracked
  invalid          // malformed: dropped and counted
};

class FlexFecDecoder {
 public:
  explicit FlexFecDecoder(const FlexFecDecoderConfig &config = {});

  FlexFecMediaResult on_media(ByteSpan rtp, std::uint64_t now);
  // A repair packet. Invalid: not RTP; a FEC header that does not parse
  // (short, R=F=1, no SSRC, a mask block cut off, L=0, an empty mask); an
  // SSRC listed twice or more streams than max_streams; a group reaching
  // half a window or more; a repair payload above max_payload; an SN base
  // half a window ahead of its stream; a rebuilt length beyond the repair
  // payload or max_payload; a rebuilt packet that is not valid RTP.
  FlexFecResult on_fec(ByteSpan rtp, std::uint64_t now);
  // Source packets rebuilt by the last call, in order: whole RTP packets
  // valid until the next call.
  std::optional<ByteSpan> poll_recovered();

  const FlexFecDecoderStats &stats() const { return stats_; }
  std::size_t window() const { return window_; }
  std::size_t held() const { return active_.size(); }
  void set_hold(std::uint64_t ns) { config_.hold_ns = ns; }
  void reset();

 private:
  struct Slot {
    std::int64_t ext = -1;
    std::uint16_t size = 0;  // whole packet
  };
  struct Stream {
    bool used = false;
    std::uint32_t ssrc = 0;
    std::int64_t first = 0;
    std::int64_t highest = 0;
    std::uint64_t last_arrival = 0;
    std::vector<Slot> slots;
    std::vector<std::uint8_t> bytes;
  };
  struct Cover {
    std::uint8_t stream = 0;
    std::int64_t base = 0;
    std::int64_t newest = 0;  // its last protected packet
    FlexFecStream part;
  };
  struct FecSlot {
    bool used = false;
    bool queued = false;
    bool fixed = false;
    std::uint8_t pxcc = 0;
    std::uint8_t b1 = 0;
    std::uint16_t length = 0;
    std::uint32_t ts = 0;
    std::uint16_t repair_size = 0;
    std::uint64_t arrival = 0;
    std::uint8_t covers = 0;
  };
  struct Ref {
    std::uint8_t stream;
    std::int64_t ext;
  };

  std::int64_t extend(const Stream &s, std::uint16_t seq) const;
  bool in_window(const Stream &s, std::int64_t ext) const;
  bool present(const Stream &s, std::int64_t ext) const;
  std::uint8_t *bytes_of(Stream &s, std::int64_t ext);
  int find_stream(std::uint32_t ssrc) const;
  int open_stream(std::uint32_t ssrc, std::uint16_t seq, std::uint64_t now);
  void advance(Stream &s, std::int64_t ext);
  bool store(std::size_t stream, std::int64_t ext, ByteSpan packet);
  Cover *covers_of(std::size_t i) { return covers_.data() + i * config_.max_streams; }
  bool covers(const FecSlot &f, const Cover &c, std::size_t stream, std::int64_t ext) const;
  template <typename F>
  void for_each_member(const FecSlot &f, const Cover &c, F &&fn) const;
  std::uint8_t *repair_of(std::size_t i) { return repair_.data() + i * config_.max_payload; }
  void free_fec(std::size_t i);
  void expire();
  void queue_covering(std::size_t stream, std::int64_t ext);
  FlexFecResult check(std::size_t i);
  bool rebuild(std::size_t i, Ref target);
  void run();
  void begin(std::uint64_t now);
  FlexFecResult on_retransmission(const FlexFecPacket &p);

  FlexFecDecoderConfig config_;
  FlexFecDecoderStats stats_;
  std::size_t window_;
  std::size_t mask_;
  std::size_t stride_;
  std::uint64_t now_ = 0;
  std::vector<Stream> streams_;
  std::vector<FecSlot> fec_;
  std::vector<Cover> covers_;
  std::vector<std::uint8_t> repair_;
  std::vector<std::size_t> active_;
  std::vector<std::size_t> work_;
  std::vector<Ref> out_;
  std::size_t out_next_ = 0;
};

}  // namespace srtcore::fec
