// Listener: stateless induction (SYN cookie), then on a conclusion with a
// valid cookie the extension checks, the application's verdict, and the
// accepted Connection. Repeated conclusions of an accepted caller are
// answered from a bounded memory of responses, never with a second
// connection.
#include "srt/listener.hpp"

#include <algorithm>
#include <unordered_map>
#include <array>
#include <cstring>
#include <vector>

#include "srt/connection_impl.hpp"
#include "srt/hs_negotiation.hpp"
#include "srt/syn_cookie.hpp"

namespace srtcore::srt {

namespace {

std::array<std::uint8_t, 32> secret_from(Random &random) {
  std::array<std::uint8_t, 32> s{};
  random.fill(s);
  return s;
}

}  // namespace

struct Listener::State {
  explicit State(Random &random) : cookies(secret_from(random)) {}

  struct Remembered {
    NetAddress peer;
    std::uint32_t peer_socket_id = 0;
    std::uint32_t local_socket_id = 0;
    std::vector<std::uint8_t> response;
  };

  // Callers by (peer socket id, port); the rare collisions share a bucket.
  static std::uint64_t key(const NetAddress &peer, std::uint32_t peer_id) {
    return (std::uint64_t{peer_id} << 16) | peer.port;
  }
  Remembered *find(const NetAddress &peer, std::uint32_t peer_id) {
    auto it = remembered.find(key(peer, peer_id));
    if (it == remembered.end()) return nullptr;
    for (auto &r : it->second) {
      if (r.peer_socket_id == peer_id && r.peer == peer) return &r;
    }
    return nullptr;
  }
  void add(Remembered r) {
    remembered[key(r.peer, r.peer_socket_id)].push_back(std::move(r));
    ++count;
  }

  SynCookie cookies;
  std::unordered_map<std::uint64_t, std::vector<Remembered>> remembered;
  std::size_t count = 0;
};

Listener::Listener(const ListenerConfig &config, const NetAddress &local, Random &random)
    : config_(config), local_(local), random_(random), state_(std::make_shared<State>(random)) {}

std::size_t Listener::remembered() const {
  return state_->count;
}

void Listener::forget(std::uint32_t local_socket_id) {
  auto &m = state_->remembered;
  for (auto it = m.begin(); it != m.end(); ++it) {
    const std::size_t n = std::erase_if(it->second, [&](const State::Remembered &r) {
      return r.local_socket_id == local_socket_id;
    });
    if (n == 0) continue;
    state_->count -= n;
    if (it->second.empty()) m.erase(it);
    return;
  }
}

namespace {

// Our answer keeps the caller's fields except what we change.
std::size_t write_reply(const HandshakeBody &req, std::uint32_t type, std::uint16_t extension,
                        std::uint32_t cookie, const NetAddress &from, TimePoint now,
                        MutableByteSpan reply, std::uint16_t encryption = 0) {
  HandshakeBody b = req;
  b.version = kHandshakeVersion5;
  b.encryption = encryption;
  b.extension = extension;
  b.type = type;
  b.cookie = cookie;
  b.peer_ip = from.handshake_ip();
  const auto ts = static_cast<std::uint32_t>(now.time_since_epoch().count());
  return write_handshake(b, ts, req.socket_id, reply);
}

}  // namespace

Listener::Result Listener::handle_datagram(TimePoint now, const NetAddress &from, ByteSpan bytes,
                                           MutableByteSpan reply) {
  Result res;
  if (bytes.size() < kHeaderSize) {
    ++stats_.malformed;
    return res;
  }
  if (!is_control_packet(bytes)) {
    ++stats_.ignored;
    return res;
  }
  const auto pkt = parse_control_packet(bytes);
  if (!pkt || pkt->header.type != ControlType::kHandshake) {
    ++stats_.ignored;
    return res;
  }
  const auto hs = parse_handshake(*pkt);
  if (!hs) {
    ++stats_.malformed;
    return res;
  }
  const HandshakeBody &req = hs->body;
  if (req.socket_id == 0) {
    ++stats_.malformed;  // a caller always names its socket
    return res;
  }

  if (req.type == hs_type::kInduction) {
    if (req.version != kHandshakeVersion4 && req.version != kHandshakeVersion5) {
      ++stats_.bad_version;
      return res;
    }
    ++stats_.inductions;
    const std::uint32_t cookie = state_->cookies.generate(from.ip_bytes(), from.port, now);
    // As libsrt, the induction answer advertises our key length (a caller
    // without pbkeylen takes it).
    const ConnectionConfig &cc = config_.connection;
    const auto advertised = static_cast<std::uint16_t>(
        cc.passphrase.empty() || !valid_key_length(cc.pbkeylen) ? 0 : cc.pbkeylen / 8);
    res.reply_size = write_reply(req, hs_type::kInduction, kHandshakeMagic, cookie, from, now,
                                 reply, advertised);
    return res;
  }
  if (req.type != hs_type::kConclusion) {
    ++stats_.ignored;
    return res;
  }
  // No answer at all without a valid cookie: a forged source learns nothing
  // and gets nothing reflected at it.
  if (!state_->cookies.verify(req.cookie, from.ip_bytes(), from.port, now)) {
    ++stats_.bad_cookie;
    return res;
  }
  if (req.version != kHandshakeVersion5) {
    ++stats_.bad_version;
    ++stats_.rejected;
    res.reply_size = write_reply(req, rejection_handshake_type(RejectReason::kVersion), 0,
                                 req.cookie, from, now, reply);
    return res;
  }
  if (State::Remembered *r = state_->find(from, req.socket_id)) {
    ++stats_.repeated;
    if (reply.size() >= r->response.size()) {
      std::memcpy(reply.data(), r->response.data(), r->response.size());
      res.reply_size = r->response.size();
    }
    return res;
  }

  PeerConclusion pc;
  std::optional<std::uint32_t> refuse;
  if (const auto reason = read_conclusion(hs->extensions, req.extension, ExtType::kHsReq, pc)) {
    if (*reason == RejectReason::kRogue) ++stats_.malformed;
    refuse = static_cast<std::uint32_t>(*reason);
  }
  if (!refuse && state_->count >= config_.max_connections) {
    ++stats_.full;
    refuse = static_cast<std::uint32_t>(RejectReason::kBacklog);
  }
  CallerRequest cr;
  if (!refuse) {
    cr = CallerRequest{from, pc.stream_id, req.socket_id, pc.hs->srt_version, pc.group};
    if (accept_) refuse = accept_(cr);
  }
  std::optional<std::string> filter;
  if (!refuse) {
    filter = settle_filter(config_.connection.packet_filter, pc.filter, true);
    // Group members run a filter in broadcast groups only (each link carries
    // every packet); a backup or balancing link's rows would never complete.
    if (!filter || (pc.group && !filter->empty() && pc.group->type != GroupType::kBroadcast)) {
      refuse = static_cast<std::uint32_t>(RejectReason::kFilter);
    }
  }
  std::optional<GroupExt> our_group;
  if (!refuse && pc.group) {
    // As libsrt: group members only where the application opted in.
    if (!config_.group_connect || !group_) {
      refuse = static_cast<std::uint32_t>(RejectReason::kGroup);
    } else {
      const GroupDecision d = group_(now, cr);
      if (d.answer) {
        our_group = d.answer;
      } else {
        refuse = d.reject_code;
      }
    }
  }
  // Encryption last, as libsrt; PBKDF2 runs only for a caller that proved
  // its address with the cookie.
  KmDecision km;
  if (!refuse) {
    km = respond_to_kmreq(config_.connection, pc.km);
    if (km.reject) {
      refuse = static_cast<std::uint32_t>(*km.reject);
      res.km_refused = km.reject;
    }
  }
  if (refuse) {
    ++stats_.rejected;
    res.reply_size =
        write_reply(req, rejection_handshake_type(*refuse), 0, req.cookie, from, now, reply);
    return res;
  }

  Connection::Accepted a;
  a.local = local_;
  a.peer = from;
  a.local_socket_id = random_.next_socket_id();
  a.peer_socket_id = req.socket_id;
  a.peer_isn = req.isn & kSeqMask;
  a.peer_mss = std::max<std::uint32_t>(req.mtu, 76);
  a.peer_flow_window = req.flow_window;
  a.peer_hsreq = *pc.hs;
  a.stream_id = pc.stream_id;
  a.arrival = now;
  a.peer_timestamp = pkt->header.timestamp;
  a.cookie = req.cookie;
  a.peer_group = pc.group;
  a.local_group = our_group;
  a.crypto = std::move(km.crypto);
  a.packet_filter = filter.value_or("");
  res.accepted = std::make_unique<Connection>(config_.connection, a, random_, now);
  ++stats_.accepted;

  const ByteSpan rsp = res.accepted->handshake_response();
  State::Remembered r;
  r.peer = from;
  r.peer_socket_id = req.socket_id;
  r.local_socket_id = res.accepted->local_socket_id();
  r.response.assign(rsp.begin(), rsp.end());
  state_->add(std::move(r));
  if (reply.size() >= rsp.size()) {
    std::memcpy(reply.data(), rsp.data(), rsp.size());
    res.reply_size = rsp.size();
  }
  return res;
}

}  // namespace srtcore::srt
