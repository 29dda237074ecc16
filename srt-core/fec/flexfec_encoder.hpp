// FlexFEC (RFC 8627) encoder (sans-I/O): source RTP packets of one SSRC in,
// repair RTP packets of the repair stream (its own SSRC, payload type and
// sequence numbers) out.
//
// Protection follows RFC 8627 section 1.1 over an L (columns) x D (rows)
// matrix of consecutive sequence numbers, counted from the first packet:
// - 1-D non-interleaved (rows): L consecutive packets per repair packet;
// - 1-D interleaved (columns): packets c, c+L, .., c+(D-1)L of a matrix;
// - 2-D: both.
// The repair packets say so either in the fixed form (F=1: L and D) or as
// flexible bitmasks (F=0: SN base plus mask; needs L <= 110 for rows and
// (D-1)L+1 <= 110 for columns). A repair packet goes out right after the
// last packet it protects. Repair packets list the source SSRC in their
// CSRC list and carry the timestamp of the newest source packet.
// retransmit() wraps a source packet in the retransmission form (R=1).
// Storage is allocated once per configuration; nothing per packet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "fec/flexfec_header.hpp"
#include "fec/xor_parity.hpp"
#include "rtp/bytes.hpp"

namespace srtcore::fec {

enum class FlexFecMode : std::uint8_t { flexible, fixed };

struct FlexFecEncoderConfig {
  FlexFecMode mode = FlexFecMode::fixed;
  unsigned columns = 10;  // L: 1..255
  unsigned rows = 0;      // D: 0 or 2..255 (0: no column FEC)
  bool row_fec = true;
  bool column_fec = true;
  std::uint8_t payload_type = 96;
  std::uint32_t ssrc = 0;  // of the repair stream
  std::uint16_t first_sequence = 0;
  std::size_t max_payload = 1460;  // source packet bytes after the 12-byte fixed header
};

// Why a configuration cannot be used, or nullptr.
const char *flexfec_config_problem(const FlexFecEncoderConfig &c);

enum class FlexFecEncodeResult { ok, not_rtp, not_consecutive, too_large };

class FlexFecEncoder {
 public:
  // The configuration must pass flexfec_config_problem.
  explicit FlexFecEncoder(const FlexFecEncoderConfig &config);

  // A source RTP packet; repair packets it completes are then available
  // from poll() until the next call. A new source SSRC starts a new matrix.
  FlexFecEncodeResult add(ByteSpan source);
  std::optional<ByteSpan> poll();

  // The retransmission form of a source RTP packet (valid until the next
  // call); nullopt if it is not RTP or larger than max_payload allows.
  std::optional<ByteSpan> retransmit(ByteSpan source);

  // Forgets the partial groups (a flush, a gap); the repair sequence goes on.
  void reset();
  const FlexFecEncoderConfig &config() const { return config_; }
  std::uint16_t next_sequence() const { return sequence_; }

 private:
  struct Group {
    ParityGroup parity;
    std::uint16_t sn_base = 0;
    std::uint8_t pxcc = 0;
    std::size_t longest = 0;
  };
  void add_to(Group &g, ByteSpan source, std::uint16_t seq);
  void emit(Group &g, bool row);
  std::uint8_t *slot(std::size_t i) { return out_.data() + i * stride_; }

  FlexFecEncoderConfig config_;
  std::size_t stride_;
  std::vector<std::uint8_t> parity_storage_;  // row + L columns
  std::vector<std::uint8_t> out_;             // two repair slots, one retransmission slot
  Group row_;
  std::vector<Group> columns_;
  std::uint64_t index_ = 0;  // source packets in the current matrix series
  std::optional<std::uint16_t> last_seq_;
  std::uint32_t source_ssrc_ = 0;
  std::uint32_t last_timestamp_ = 0;
  std::uint16_t sequence_;
  std::size_t ready_[2] = {0, 0};  // sizes of the repair packets to poll
  std::size_t ready_count_ = 0;
  std::size_t polled_ = 0;
};

}  // namespace srtcore::fec
