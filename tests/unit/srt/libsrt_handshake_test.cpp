// Real libsrt as the peer: srt-live-transmit (Debian srt-tools) relays UDP
// input we feed it to an SRT caller aimed at a UDP socket of ours; we parse
// what it sends and answer with our own encoder. Skips, saying so, when the
// binary is missing.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "libsrt_peer.hpp"
#include "srt/handshake.hpp"
#include "srt/packet.hpp"
#include "srt/seq.hpp"
#include "srt/syn_cookie.hpp"

namespace srtcore::srt {
namespace {

using Bytes = std::vector<std::uint8_t>;

// Generous: only a broken build or a wedged peer takes this long.
constexpr int kWaitMs = 10000;

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd = -1) : fd_(fd) {}
  ~FileDescriptor() { reset(); }
  FileDescriptor(const FileDescriptor &) = delete;
  FileDescriptor &operator=(const FileDescriptor &) = delete;
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

class LoopbackUdp {
 public:
  LoopbackUdp() : fd_(::socket(AF_INET, SOCK_DGRAM, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_.get() < 0 || ::bind(fd_.get(), reinterpret_cast<sockaddr *>(&a), sizeof a) != 0) return;
    socklen_t len = sizeof a;
    if (::getsockname(fd_.get(), reinterpret_cast<sockaddr *>(&a), &len) != 0) return;
    port_ = ntohs(a.sin_port);
  }
  std::uint16_t port() const { return port_; }

  // Waits for one datagram; remembers its sender for send().
  std::optional<Bytes> receive(int timeout_ms) {
    pollfd p{fd_.get(), POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) != 1) return std::nullopt;
    Bytes buf(2048);
    socklen_t len = sizeof peer_;
    const ssize_t n = ::recvfrom(fd_.get(), buf.data(), buf.size(), 0,
                                 reinterpret_cast<sockaddr *>(&peer_), &len);
    if (n < 0) return std::nullopt;
    buf.resize(static_cast<std::size_t>(n));
    return buf;
  }
  bool send(ByteSpan d) {
    return ::sendto(fd_.get(), d.data(), d.size(), 0, reinterpret_cast<const sockaddr *>(&peer_),
                    sizeof peer_) == static_cast<ssize_t>(d.size());
  }
  bool send_to(std::uint16_t port, ByteSpan d) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    return ::sendto(fd_.get(), d.data(), d.size(), 0, reinterpret_cast<const sockaddr *>(&a),
                    sizeof a) == static_cast<ssize_t>(d.size());
  }
  std::uint16_t peer_port() const { return ntohs(peer_.sin_port); }

 private:
  FileDescriptor fd_;
  std::uint16_t port_ = 0;
  sockaddr_in peer_{};
};

// srt-live-transmit relaying UDP input (a port of ours feeds it) to an SRT
// caller aimed at our socket. It opens the SRT side when the first datagram
// arrives and drops input until connected, so the feeder keeps sending.
struct LibsrtCaller {
  std::optional<std::string> exe = testing::find_in_path("srt-live-transmit");
  LoopbackUdp srt;     // plays the SRT listener
  LoopbackUdp feeder;  // sends UDP input to srt-live-transmit
  std::uint16_t input_port = 0;
  std::optional<testing::ChildProcess> child;
  std::uint8_t next_fill = 0;

  bool start(const std::string &query) {
    {
      LoopbackUdp probe;  // a free port for the input side (closed again at once)
      input_port = probe.port();
    }
    const std::string uri =
        "srt://127.0.0.1:" + std::to_string(srt.port()) + (query.empty() ? "" : "?" + query);
    child.emplace(*exe,
                  std::vector<std::string>{"udp://127.0.0.1:" + std::to_string(input_port), uri});
    return child->running() && srt.port() != 0 && input_port != 0;
  }

  // One 1316-byte datagram filled with a byte value that identifies it.
  void feed() {
    const Bytes d(kLiveDefaultPayloadSize, next_fill++);
    feeder.send_to(input_port, d);
  }

  // Feeds input every 100 ms until a packet arrives on the SRT side.
  std::optional<Bytes> receive_while_feeding() {
    for (int i = 0; i < kWaitMs / 100; ++i) {
      feed();
      if (auto d = srt.receive(100)) return d;
    }
    return std::nullopt;
  }

  // Until a handshake of the wanted type arrives (libsrt repeats its
  // requests every 250 ms, so duplicates are normal).
  std::optional<Bytes> receive_handshake(std::uint32_t type) {
    for (int i = 0; i < 50; ++i) {
      auto d = receive_while_feeding();
      if (!d) return std::nullopt;
      auto c = parse_control_packet(*d);
      if (!c || c->header.type != ControlType::kHandshake) continue;
      auto h = parse_handshake(*c);
      if (h && h->body.type == type) return d;
    }
    return std::nullopt;
  }
};

const TimePoint kNow{std::chrono::minutes{123456}};

// Answers an induction the way a HSv5 listener does.
bool answer_induction(LibsrtCaller &c, const HandshakeView &ind, const SynCookie &cookies) {
  HandshakeBody r = ind.body;
  r.version = kHandshakeVersion5;
  r.encryption = 0;
  r.extension = kHandshakeMagic;
  r.type = hs_type::kInduction;
  r.socket_id = 0x12345678;
  r.cookie = cookies.generate(std::array<std::uint8_t, 4>{127, 0, 0, 1}, c.srt.peer_port(), kNow);
  Bytes out(128);
  const std::size_t n = write_handshake(r, 100, ind.body.socket_id, out);
  return n == 64 && c.srt.send(ByteSpan(out).first(n));
}

TEST(LibsrtInterop, InductionAndConclusionFromSrtLiveTransmit) {
  LibsrtCaller c;
  if (!c.exe) GTEST_SKIP() << "srt-live-transmit not installed (Debian srt-tools): skipped";
  const std::string sid = "#!::r=live/cam1,m=publish";
  ASSERT_TRUE(c.start("streamid=" + sid +
                      "&rcvlatency=300&peerlatency=200&passphrase=0123456789abc&pbkeylen=16"));

  auto ind_pkt = c.receive_handshake(hs_type::kInduction);
  ASSERT_TRUE(ind_pkt) << "no induction from libsrt";
  auto ind_ctrl = parse_control_packet(*ind_pkt);
  ASSERT_TRUE(ind_ctrl);
  EXPECT_EQ(ind_ctrl->header.dest_socket, 0u);
  auto ind = parse_handshake(*ind_ctrl);
  ASSERT_TRUE(ind);
  EXPECT_EQ(ind->body.version, 4u);
  EXPECT_EQ(ind->body.extension, kUdtDgram);
  EXPECT_EQ(ind->body.encryption, 0);
  EXPECT_EQ(ind->body.cookie, 0u);
  EXPECT_NE(ind->body.socket_id, 0u);
  EXPECT_TRUE(seq_valid(ind->body.isn));
  EXPECT_EQ(ind->body.mtu, 1500u);
  EXPECT_EQ(ind->body.peer_ip, peer_ip_v4(127, 0, 0, 1));

  const std::array<std::uint8_t, 16> secret = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  const SynCookie cookies(secret);
  ASSERT_TRUE(answer_induction(c, *ind, cookies));

  auto con_pkt = c.receive_handshake(hs_type::kConclusion);
  ASSERT_TRUE(con_pkt) << "no conclusion from libsrt";
  auto con_ctrl = parse_control_packet(*con_pkt);
  ASSERT_TRUE(con_ctrl);
  EXPECT_EQ(con_ctrl->header.dest_socket, 0u);
  auto con = parse_handshake(*con_ctrl);
  ASSERT_TRUE(con);
  EXPECT_EQ(con->body.version, 5u);
  EXPECT_EQ(con->body.encryption, kEncryptionAes128);
  EXPECT_EQ(con->body.extension, kExtFlagHsReq | kExtFlagKmReq | kExtFlagConfig);
  EXPECT_EQ(con->body.socket_id, ind->body.socket_id);
  EXPECT_EQ(con->body.isn, ind->body.isn);
  EXPECT_TRUE(cookies.verify(con->body.cookie, std::array<std::uint8_t, 4>{127, 0, 0, 1},
                             c.srt.peer_port(), kNow + std::chrono::seconds{30}));

  auto exts = parse_extensions(con->extensions);
  ASSERT_TRUE(exts);
  auto hsreq_ext = exts->find(ExtType::kHsReq);
  ASSERT_TRUE(hsreq_ext);
  auto req = parse_hsreq(hsreq_ext->content);
  ASSERT_TRUE(req);
  EXPECT_GE(req->srt_version, make_srt_version(1, 5, 0));
  const std::uint32_t must =
      kSrtFlagTsbpdSnd | kSrtFlagTsbpdRcv | kSrtFlagCrypt | kSrtFlagTlPktDrop | kSrtFlagRexmitFlag;
  EXPECT_EQ(req->flags & must, must);
  EXPECT_EQ(req->recv_latency_ms, 300);
  EXPECT_EQ(req->send_latency_ms, 200);

  auto sid_ext = exts->find(ExtType::kSid);
  ASSERT_TRUE(sid_ext);
  auto got_sid = parse_text_extension(sid_ext->content);
  ASSERT_TRUE(got_sid);
  EXPECT_EQ(*got_sid, sid);

  auto km_ext = exts->find(ExtType::kKmReq);
  ASSERT_TRUE(km_ext);
  ASSERT_GE(km_ext->content.size(), 4u);
  EXPECT_EQ(km_ext->content[0], 0x12);  // KM message v1 type 2, raw byte order
  EXPECT_EQ(km_ext->content[1], 0x20);
  EXPECT_EQ(km_ext->content[2], 0x29);
}

TEST(LibsrtInterop, ConnectsAndSendsADataPacketWeParse) {
  LibsrtCaller c;
  if (!c.exe) GTEST_SKIP() << "srt-live-transmit not installed (Debian srt-tools): skipped";
  ASSERT_TRUE(c.start("latency=120"));

  auto ind_pkt = c.receive_handshake(hs_type::kInduction);
  ASSERT_TRUE(ind_pkt);
  auto ind = parse_handshake(*parse_control_packet(*ind_pkt));
  ASSERT_TRUE(ind);
  const std::array<std::uint8_t, 16> secret = {9, 9, 9};
  const SynCookie cookies(secret);
  ASSERT_TRUE(answer_induction(c, *ind, cookies));

  auto con_pkt = c.receive_handshake(hs_type::kConclusion);
  ASSERT_TRUE(con_pkt);
  auto con = parse_handshake(*parse_control_packet(*con_pkt));
  ASSERT_TRUE(con);
  EXPECT_EQ(con->body.encryption, 0);
  EXPECT_EQ(con->body.extension & kExtFlagKmReq, 0);

  // Our conclusion response: echo the ISN, answer HSREQ with HSRSP.
  HandshakeBody r = con->body;
  r.encryption = 0;
  r.extension = 0;
  r.socket_id = 0x12345678;
  r.peer_ip = peer_ip_v4(127, 0, 0, 1);
  Bytes out(256);
  HandshakeBuilder hb(out, r, 200, con->body.socket_id);
  HsReq rsp;
  rsp.flags = kSrtFlagTsbpdSnd | kSrtFlagTsbpdRcv | kSrtFlagCrypt | kSrtFlagTlPktDrop |
              kSrtFlagPeriodicNak | kSrtFlagRexmitFlag;
  rsp.recv_latency_ms = 120;
  rsp.send_latency_ms = 120;
  ASSERT_TRUE(hb.add_hsreq(ExtType::kHsRsp, rsp));
  ASSERT_TRUE(c.srt.send(ByteSpan(out).first(hb.size())));

  // libsrt now relays our datagrams as data (maybe after control packets).
  std::optional<DataPacketView> data;
  Bytes d;
  for (int i = 0; i < 100 && !data; ++i) {
    auto got = c.receive_while_feeding();
    ASSERT_TRUE(got) << "no data packet from libsrt";
    d = std::move(*got);
    auto p = parse_packet(d);
    ASSERT_TRUE(p) << "unparseable packet from libsrt";
    if (auto *dp = std::get_if<DataPacketView>(&*p)) data = *dp;
  }
  ASSERT_TRUE(data);
  EXPECT_EQ(data->header.dest_socket, 0x12345678u);
  EXPECT_EQ(data->header.seq, con->body.isn);  // first packet carries the ISN
  EXPECT_EQ(data->header.position, PacketPosition::kSolo);
  EXPECT_EQ(data->header.key, KeyFlags::kClear);
  EXPECT_FALSE(data->header.retransmitted);
  EXPECT_EQ(data->header.msgno, 1u);
  // The payload is one whole datagram we fed, untouched.
  ASSERT_EQ(data->payload.size(), kLiveDefaultPayloadSize);
  EXPECT_EQ(Bytes(data->payload.begin(), data->payload.end()),
            Bytes(kLiveDefaultPayloadSize, data->payload[0]));
}

}  // namespace
}  // namespace srtcore::srt
