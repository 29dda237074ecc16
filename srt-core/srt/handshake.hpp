// The SRT handshake control body (48 bytes, HSv4/HSv5) and the HSv5
// extension blocks (HSREQ/HSRSP, KMREQ/KMRSP, stream id, congestion, filter,
// group), with libsrt's byte-order quirks:
//  - the 16-byte peer IP and the text extensions (stream id, congestion,
//    filter) are byte strings that libsrt passes through its per-32-bit-word
//    htonl, so on the wire each 4-byte group is reversed;
//  - KM blocks are raw bytes (libsrt pre-swaps them to cancel the swap).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "srt/bytes.hpp"
#include "srt/packet.hpp"

namespace srtcore::srt {

inline constexpr std::size_t kHandshakeBodySize = 48;
inline constexpr std::uint32_t kHandshakeVersion4 = 4;
inline constexpr std::uint32_t kHandshakeVersion5 = 5;
// Listener's HSv5 induction answer carries this in the extension field.
inline constexpr std::uint16_t kHandshakeMagic = 0x4A17;
// HSv4 (and a HSv5 caller's induction) put the UDT socket type here.
inline constexpr std::uint16_t kUdtDgram = 2;

// Handshake type field values (int32 on the wire: -1, -2 for conclusion,
// agreement). Values >= 1000 are rejections, see reject.hpp.
namespace hs_type {
inline constexpr std::uint32_t kWaveAHand = 0;
inline constexpr std::uint32_t kInduction = 1;
inline constexpr std::uint32_t kConclusion = 0xFFFFFFFF;
inline constexpr std::uint32_t kAgreement = 0xFFFFFFFE;
}  // namespace hs_type

// HSv5 extension field flags (conclusion).
inline constexpr std::uint16_t kExtFlagHsReq = 0x1;
inline constexpr std::uint16_t kExtFlagKmReq = 0x2;
inline constexpr std::uint16_t kExtFlagConfig = 0x4;  // SID, congestion, filter, group

// Encryption field: key length in bytes / 8.
inline constexpr std::uint16_t kEncryptionNone = 0;
inline constexpr std::uint16_t kEncryptionAes128 = 2;
inline constexpr std::uint16_t kEncryptionAes192 = 3;
inline constexpr std::uint16_t kEncryptionAes256 = 4;

// Peer IP in natural (network) byte order: an IPv4 address takes bytes 0..3
// and leaves the rest zero, as libsrt does.
using PeerIp = std::array<std::uint8_t, 16>;
constexpr PeerIp peer_ip_v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  return PeerIp{a, b, c, d, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
}

struct HandshakeBody {
  std::uint32_t version = kHandshakeVersion5;
  std::uint16_t encryption = 0;  // upper half of word 1 (HSv5)
  std::uint16_t extension = 0;   // lower half: flags, magic, or UDT socket type
  std::uint32_t isn = 0;         // initial sequence number (31 bits)
  std::uint32_t mtu = 1500;
  std::uint32_t flow_window = 8192;
  std::uint32_t type = hs_type::kInduction;  // hs_type::* or 1000 + reject reason
  std::uint32_t socket_id = 0;
  std::uint32_t cookie = 0;
  PeerIp peer_ip{};

  friend bool operator==(const HandshakeBody &, const HandshakeBody &) = default;
};

// Extension block types (16-bit type, 16-bit length in 32-bit words).
enum class ExtType : std::uint16_t {
  kHsReq = 1,
  kHsRsp = 2,
  kKmReq = 3,
  kKmRsp = 4,
  kSid = 5,
  kCongestion = 6,
  kFilter = 7,
  kGroup = 8,
};

// HSREQ/HSRSP flags.
inline constexpr std::uint32_t kSrtFlagTsbpdSnd = 0x01;
inline constexpr std::uint32_t kSrtFlagTsbpdRcv = 0x02;
inline constexpr std::uint32_t kSrtFlagCrypt = 0x04;  // always set by libsrt
inline constexpr std::uint32_t kSrtFlagTlPktDrop = 0x08;
inline constexpr std::uint32_t kSrtFlagPeriodicNak = 0x10;
inline constexpr std::uint32_t kSrtFlagRexmitFlag = 0x20;  // always set by libsrt
inline constexpr std::uint32_t kSrtFlagStream = 0x40;
inline constexpr std::uint32_t kSrtFlagPacketFilter = 0x80;

constexpr std::uint32_t make_srt_version(std::uint32_t major, std::uint32_t minor,
                                         std::uint32_t patch) {
  return (major << 16) | (minor << 8) | patch;
}

inline constexpr std::size_t kHsReqSize = 12;

struct HsReq {
  std::uint32_t srt_version = make_srt_version(1, 5, 1);
  std::uint32_t flags = 0;
  std::uint16_t recv_latency_ms = 0;  // upper 16 bits of the latency word
  std::uint16_t send_latency_ms = 0;  // lower 16 bits
  friend bool operator==(const HsReq &, const HsReq &) = default;
};

// Group extension (libsrt 1.5 socket groups).
enum class GroupType : std::uint8_t { kUndefined = 0, kBroadcast = 1, kBackup = 2, kBalancing = 3 };
inline constexpr std::uint32_t kGroupIdBit = 0x40000000;  // set in every group id
inline constexpr std::size_t kGroupExtSize = 8;

struct GroupExt {
  std::uint32_t group_id = 0;
  GroupType type = GroupType::kUndefined;
  std::uint8_t flags = 0;
  std::uint16_t weight = 0;  // backup: higher = preferred
  friend bool operator==(const GroupExt &, const GroupExt &) = default;
};

// Stream id, congestion and filter strings are at most this long.
inline constexpr std::size_t kMaxTextExtensionSize = 512;

// ---- Parsing --------------------------------------------------------------

struct HandshakeView {
  HandshakeBody body;
  ByteSpan extensions;  // bytes after the 48-byte body (HSv5 conclusion)
};

Parsed<HandshakeBody> parse_handshake_body(ByteSpan body);
// Parses the body and keeps the trailing bytes unvalidated; call
// parse_extensions on them when the handshake type carries extensions.
Parsed<HandshakeView> parse_handshake(const ControlPacketView &pkt);

struct Extension {
  ExtType type;  // may hold values beyond kGroup (unknown blocks)
  ByteSpan content;
};

// A validated chain of extension blocks; iterating yields each block.
class ExtensionListView {
 public:
  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Extension;
    using difference_type = std::ptrdiff_t;
    using pointer = const Extension *;
    using reference = Extension;

    iterator() = default;
    Extension operator*() const;
    iterator &operator++();
    iterator operator++(int) {
      iterator t = *this;
      ++*this;
      return t;
    }
    friend bool operator==(const iterator &a, const iterator &b) { return a.p_ == b.p_; }

   private:
    friend class ExtensionListView;
    explicit iterator(const std::uint8_t *p) : p_(p) {}
    const std::uint8_t *p_ = nullptr;
  };

  iterator begin() const { return iterator(bytes_.data()); }
  iterator end() const { return iterator(bytes_.data() + bytes_.size()); }
  bool empty() const { return bytes_.empty(); }
  // First block of `type`, if any.
  std::optional<Extension> find(ExtType type) const;
  std::vector<Extension> to_vector() const;

 private:
  friend Parsed<ExtensionListView> parse_extensions(ByteSpan bytes);
  explicit ExtensionListView(ByteSpan bytes) : bytes_(bytes) {}
  ByteSpan bytes_;
};

// Rejects a block header or content running past the end, or trailing bytes
// too short to be a block header.
Parsed<ExtensionListView> parse_extensions(ByteSpan bytes);

Parsed<HsReq> parse_hsreq(ByteSpan content);
Parsed<GroupExt> parse_group(ByteSpan content);
// Stream id / congestion / filter: undoes the word swap, drops the zero
// padding. Longer than kMaxTextExtensionSize is rejected.
Parsed<std::string> parse_text_extension(ByteSpan content);

// ---- Writing --------------------------------------------------------------

// 48 bytes; returns kHandshakeBodySize, or 0 if `out` is too small.
[[nodiscard]] std::size_t write_handshake_body(const HandshakeBody &body, MutableByteSpan out);

// Builds a whole handshake packet (header, body, extensions) in caller
// memory. The first failing add leaves the builder failed (size() == 0).
// Adding an extension also sets its flag in the extension field (HSREQ for
// HSREQ/HSRSP, KMREQ for KMREQ/KMRSP, CONFIG for the others), as libsrt does.
class HandshakeBuilder {
 public:
  HandshakeBuilder(MutableByteSpan out, const HandshakeBody &body, std::uint32_t timestamp,
                   std::uint32_t dest_socket);

  bool add_hsreq(ExtType type, const HsReq &req);  // kHsReq or kHsRsp
  bool add_km(ExtType type, ByteSpan km);          // kKmReq or kKmRsp, raw KM bytes
  bool add_stream_id(std::string_view sid) { return add_text(ExtType::kSid, sid); }
  bool add_congestion(std::string_view name) { return add_text(ExtType::kCongestion, name); }
  bool add_filter(std::string_view config) { return add_text(ExtType::kFilter, config); }
  bool add_group(const GroupExt &group);
  // Any block with word-aligned raw content (tests, future extensions).
  bool add_raw(std::uint16_t type, ByteSpan content);

  bool ok() const { return ok_; }
  std::size_t size() const { return ok_ ? used_ : 0; }

 private:
  bool add_text(ExtType type, std::string_view text);
  bool fail() {
    ok_ = false;
    return false;
  }
  std::uint8_t *begin_block(std::uint16_t type, std::size_t content_size);
  void set_flag(std::uint16_t flag);

  MutableByteSpan out_;
  std::size_t used_ = 0;
  bool ok_ = false;
};

// A handshake without extensions (induction, waveahand, rejection).
[[nodiscard]] std::size_t write_handshake(const HandshakeBody &body, std::uint32_t timestamp,
                                          std::uint32_t dest_socket, MutableByteSpan out);

}  // namespace srtcore::srt
