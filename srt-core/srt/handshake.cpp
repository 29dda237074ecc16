#include "srt/handshake.hpp"

#include <cstring>

namespace srtcore::srt {

namespace {

constexpr std::size_t kExtHeaderSize = 4;
constexpr std::size_t kExtMaxWords = 0xFFFF;

std::uint16_t ext_flag_for(std::uint16_t type) {
  switch (static_cast<ExtType>(type)) {
    case ExtType::kHsReq:
    case ExtType::kHsRsp:
      return kExtFlagHsReq;
    case ExtType::kKmReq:
    case ExtType::kKmRsp:
      return kExtFlagKmReq;
    case ExtType::kSid:
    case ExtType::kCongestion:
    case ExtType::kFilter:
    case ExtType::kGroup:
      return kExtFlagConfig;
  }
  return 0;
}

}  // namespace

// ---- Body -----------------------------------------------------------------

Parsed<HandshakeBody> parse_handshake_body(ByteSpan body) {
  if (body.size() < kHandshakeBodySize) return WireError::kTruncated;
  const std::uint8_t *p = body.data();
  HandshakeBody h;
  h.version = get_u32(p);
  h.encryption = get_u16(p + 4);
  h.extension = get_u16(p + 6);
  h.isn = get_u32(p + 8);
  h.mtu = get_u32(p + 12);
  h.flow_window = get_u32(p + 16);
  h.type = get_u32(p + 20);
  h.socket_id = get_u32(p + 24);
  h.cookie = get_u32(p + 28);
  copy_word_swapped(p + 32, h.peer_ip.data(), h.peer_ip.size());
  return h;
}

Parsed<HandshakeView> parse_handshake(const ControlPacketView &pkt) {
  if (pkt.header.type != ControlType::kHandshake) return WireError::kWrongType;
  auto body = parse_handshake_body(pkt.body);
  if (!body) return body.error();
  return HandshakeView{*body, pkt.body.subspan(kHandshakeBodySize)};
}

std::size_t write_handshake_body(const HandshakeBody &b, MutableByteSpan out) {
  if (out.size() < kHandshakeBodySize) return 0;
  std::uint8_t *p = out.data();
  put_u32(p, b.version);
  put_u16(p + 4, b.encryption);
  put_u16(p + 6, b.extension);
  put_u32(p + 8, b.isn);
  put_u32(p + 12, b.mtu);
  put_u32(p + 16, b.flow_window);
  put_u32(p + 20, b.type);
  put_u32(p + 24, b.socket_id);
  put_u32(p + 28, b.cookie);
  copy_word_swapped(b.peer_ip.data(), p + 32, b.peer_ip.size());
  return kHandshakeBodySize;
}

// ---- Extensions -----------------------------------------------------------

Extension ExtensionListView::iterator::operator*() const {
  const std::size_t len = std::size_t{get_u16(p_ + 2)} * 4;
  return Extension{static_cast<ExtType>(get_u16(p_)), ByteSpan(p_ + kExtHeaderSize, len)};
}

ExtensionListView::iterator &ExtensionListView::iterator::operator++() {
  p_ += kExtHeaderSize + std::size_t{get_u16(p_ + 2)} * 4;
  return *this;
}

std::optional<Extension> ExtensionListView::find(ExtType type) const {
  for (const Extension e : *this) {
    if (e.type == type) return e;
  }
  return std::nullopt;
}

std::vector<Extension> ExtensionListView::to_vector() const {
  std::vector<Extension> v;
  for (const Extension e : *this) v.push_back(e);
  return v;
}

Parsed<ExtensionListView> parse_extensions(ByteSpan bytes) {
  std::size_t off = 0;
  while (off < bytes.size()) {
    if (bytes.size() - off < kExtHeaderSize) return WireError::kTruncated;
    const std::size_t len = std::size_t{get_u16(bytes.data() + off + 2)} * 4;
    if (bytes.size() - off - kExtHeaderSize < len) return WireError::kBadLength;
    off += kExtHeaderSize + len;
  }
  return ExtensionListView(bytes);
}

Parsed<HsReq> parse_hsreq(ByteSpan content) {
  if (content.size() < kHsReqSize) return WireError::kTruncated;
  const std::uint8_t *p = content.data();
  HsReq r;
  r.srt_version = get_u32(p);
  r.flags = get_u32(p + 4);
  r.recv_latency_ms = get_u16(p + 8);
  r.send_latency_ms = get_u16(p + 10);
  return r;
}

Parsed<GroupExt> parse_group(ByteSpan content) {
  if (content.size() < kGroupExtSize) return WireError::kTruncated;
  const std::uint8_t *p = content.data();
  GroupExt g;
  g.group_id = get_u32(p);
  g.type = static_cast<GroupType>(p[4]);
  g.flags = p[5];
  g.weight = get_u16(p + 6);
  return g;
}

Parsed<std::string> parse_text_extension(ByteSpan content) {
  if (content.size() % 4 != 0) return WireError::kBadLength;
  if (content.size() > kMaxTextExtensionSize) return WireError::kOversized;
  std::array<std::uint8_t, kMaxTextExtensionSize> buf;
  copy_word_swapped(content.data(), buf.data(), content.size());
  std::size_t n = content.size();
  while (n > 0 && buf[n - 1] == 0) --n;
  return std::string(reinterpret_cast<const char *>(buf.data()), n);
}

// ---- Builder --------------------------------------------------------------

HandshakeBuilder::HandshakeBuilder(MutableByteSpan out, const HandshakeBody &body,
                                   std::uint32_t timestamp, std::uint32_t dest_socket)
    : out_(out) {
  const ControlHeader h{ControlType::kHandshake, 0, 0, timestamp, dest_socket};
  if (write_control_header(h, out_) == 0) return;
  if (write_handshake_body(body, out_.subspan(kHeaderSize)) == 0) return;
  used_ = kHeaderSize + kHandshakeBodySize;
  ok_ = true;
}

std::uint8_t *HandshakeBuilder::begin_block(std::uint16_t type, std::size_t content_size) {
  if (!ok_) return nullptr;
  if (content_size % 4 != 0 || content_size / 4 > kExtMaxWords ||
      out_.size() - used_ < kExtHeaderSize + content_size) {
    fail();
    return nullptr;
  }
  std::uint8_t *p = out_.data() + used_;
  put_u16(p, type);
  put_u16(p + 2, static_cast<std::uint16_t>(content_size / 4));
  used_ += kExtHeaderSize + content_size;
  set_flag(ext_flag_for(type));
  return p + kExtHeaderSize;
}

void HandshakeBuilder::set_flag(std::uint16_t flag) {
  // Extension field: low half of body word 1.
  std::uint8_t *f = out_.data() + kHeaderSize + 6;
  put_u16(f, static_cast<std::uint16_t>(get_u16(f) | flag));
}

bool HandshakeBuilder::add_hsreq(ExtType type, const HsReq &req) {
  if (type != ExtType::kHsReq && type != ExtType::kHsRsp) return fail();
  std::uint8_t *p = begin_block(static_cast<std::uint16_t>(type), kHsReqSize);
  if (!p) return false;
  put_u32(p, req.srt_version);
  put_u32(p + 4, req.flags);
  put_u16(p + 8, req.recv_latency_ms);
  put_u16(p + 10, req.send_latency_ms);
  return true;
}

bool HandshakeBuilder::add_km(ExtType type, ByteSpan km) {
  if ((type != ExtType::kKmReq && type != ExtType::kKmRsp) || km.empty()) return fail();
  std::uint8_t *p = begin_block(static_cast<std::uint16_t>(type), km.size());
  if (!p) return false;
  std::memcpy(p, km.data(), km.size());
  return true;
}

bool HandshakeBuilder::add_group(const GroupExt &g) {
  std::uint8_t *p = begin_block(static_cast<std::uint16_t>(ExtType::kGroup), kGroupExtSize);
  if (!p) return false;
  put_u32(p, g.group_id);
  p[4] = static_cast<std::uint8_t>(g.type);
  p[5] = g.flags;
  put_u16(p + 6, g.weight);
  return true;
}

bool HandshakeBuilder::add_raw(std::uint16_t type, ByteSpan content) {
  std::uint8_t *p = begin_block(type, content.size());
  if (!p) return false;
  if (!content.empty()) std::memcpy(p, content.data(), content.size());
  return true;
}

bool HandshakeBuilder::add_text(ExtType type, std::string_view text) {
  if (text.empty() || text.size() > kMaxTextExtensionSize) return fail();
  std::array<std::uint8_t, kMaxTextExtensionSize> padded{};
  std::memcpy(padded.data(), text.data(), text.size());
  const std::size_t size = (text.size() + 3) / 4 * 4;
  std::uint8_t *p = begin_block(static_cast<std::uint16_t>(type), size);
  if (!p) return false;
  copy_word_swapped(padded.data(), p, size);
  return true;
}

std::size_t write_handshake(const HandshakeBody &body, std::uint32_t timestamp,
                            std::uint32_t dest_socket, MutableByteSpan out) {
  return HandshakeBuilder(out, body, timestamp, dest_socket).size();
}

}  // namespace srtcore::srt
