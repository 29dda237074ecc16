// SMPTE 2022-1 FEC encoder (sans-I/O): media RTP packets in, row and column
// FEC RTP packets out, over an L (columns) x D (rows) matrix of consecutive
// sequence numbers. Wire behaviour as gst-plugins-good's rtpst2022-1-fecenc,
// so either side can be GStreamer's:
// - a row FEC packet (D=1, offset 1, NA L) follows the last packet of its row;
// - a column FEC packet (D=0, offset L, NA D) is held back and sent after
//   media packet last + L + c*(D-1) of its column c, so that a burst does not
//   take it together with its column;
// - FEC packets count their own sequence numbers per direction from 0, carry
//   SSRC 0, the payload type given, the XOR of the markers in M, and the
//   timestamp of the media packet they follow.
// Storage is allocated once per geometry; nothing per packet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "fec/xor_parity.hpp"
#include "rtp/rtp_header.hpp"

namespace srtcore::fec {

struct St2022EncoderConfig {
  unsigned columns = 0;  // L: packets per row, 0 disables both directions
  unsigned rows = 0;     // D: packets per column, 0 disables column FEC
  std::uint8_t payload_type = 96;
  std::size_t max_payload = 1460;  // largest media RTP payload accepted
};

enum class St2022EncodeResult {
  ok,
  not_consecutive,   // the sequence number does not follow the previous one
  payload_too_large  // above max_payload
};

struct St2022FecPacket {
  bool row = false;
  std::span<const std::uint8_t> bytes;  // a whole RTP packet
};

class St2022Encoder {
 public:
  explicit St2022Encoder(const St2022EncoderConfig &config);

  // One media packet (parsed RTP) and which directions are on for it. FEC
  // packets it completes or releases are then available from poll() until
  // the next call.
  St2022EncodeResult add(const rtp::ParsedRtp &media, bool row_on, bool column_on);
  std::optional<St2022FecPacket> poll();

  // True when no row or column group is partly filled: the next packet
  // starts a new matrix (adaptive mode switches directions only there).
  bool at_matrix_start() const;

  // Forgets the partial groups of one direction (its FEC is switched off);
  // the column FEC sequence numbers restart from 0, as GStreamer's do.
  void reset_rows();
  void reset_columns();
  // Everything, for a new stream (flush); sequence counters keep counting.
  void reset();

  const St2022EncoderConfig &config() const { return config_; }

 private:
  struct Group {
    ParityGroup parity;
    std::uint16_t sn_base = 0;
    std::size_t longest = 0;  // the FEC payload covers the longest payload
    bool marker = false;
  };
  struct Held {  // a built column FEC packet waiting for its media packet
    std::uint16_t after_seq = 0;
    std::size_t size = 0;
  };

  void add_to(Group &g, const rtp::ParsedRtp &media);
  std::size_t build(Group &g, bool row, std::uint8_t *dst);
  std::uint8_t *slot(std::size_t i) { return packets_.data() + i * packet_stride_; }

  St2022EncoderConfig config_;
  std::size_t packet_stride_;
  std::vector<std::uint8_t> parity_storage_;  // row + L columns
  std::vector<std::uint8_t> packets_;         // slot 0: the row packet; then the held ring
  Group row_;
  std::vector<Group> columns_;
  std::size_t column_ = 0;      // column of the next media packet
  std::size_t matrix_pos_ = 0;  // the next packet's place in its L x D matrix, whatever is on
  bool columns_started_ = false;
  std::vector<Held> held_;  // ring over packets_ slots 1..
  std::size_t held_head_ = 0;
  std::size_t held_count_ = 0;

  std::optional<std::uint16_t> last_seq_;
  std::uint16_t row_seq_ = 0;
  std::uint16_t column_seq_ = 0;
  std::uint32_t last_timestamp_ = 0;

  // Output of the last add(): the row packet, then at most one held column packet.
  bool row_ready_ = false;
  std::size_t row_size_ = 0;
  std::optional<std::size_t> column_ready_;  // slot index
  std::size_t column_ready_size_ = 0;
};

}  // namespace srtcore::fec
