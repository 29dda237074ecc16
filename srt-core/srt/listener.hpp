// The listening side of the caller/listener handshake, sans-I/O. Keeps no
// state for a caller until its conclusion echoes a valid SYN cookie; then
// asks the application (stream id, peer address) and either answers with a
// rejection or creates the listener-side Connection.
//
// The owner feeds it every datagram that arrives on the listening port with
// destination socket id 0 (connection requests). Datagrams with a non-zero
// destination id belong to the connection with that local socket id.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "srt/address.hpp"
#include "srt/bytes.hpp"
#include "srt/connection.hpp"
#include "srt/random.hpp"
#include "srt/reject.hpp"
#include "srt/time.hpp"

namespace srtcore::srt {

struct ListenerConfig {
  ConnectionConfig connection;  // for every accepted connection
  // Callers accepted and not yet forgotten, at most: a further conclusion
  // is refused with SRT_REJ_BACKLOG. Each is remembered until forget(), so
  // a repeated conclusion (our answer was lost) gets the same answer again
  // instead of a second connection.
  std::size_t max_connections = 1000;
  // Accept members of socket groups (libsrt SRTO_GROUPCONNECT); without it a
  // GROUP extension is refused with SRT_REJ_GROUP, as libsrt does.
  bool group_connect = false;
};

struct CallerRequest {
  NetAddress peer;
  std::string stream_id;
  std::uint32_t peer_socket_id = 0;
  std::uint32_t peer_srt_version = 0;
  std::optional<GroupExt> group;  // the caller's GROUP extension, if any
};

// The answer to a group member: our GROUP extension (the id of our mirror
// group) to accept, or a rejection code.
struct GroupDecision {
  std::optional<GroupExt> answer;
  std::uint32_t reject_code = static_cast<std::uint32_t>(RejectReason::kGroup);
};
using GroupCallback = std::function<GroupDecision(TimePoint now, const CallerRequest &)>;

// Returns nullopt to accept, or a rejection code (RejectReason or an
// application code >= 1000, e.g. 1403) to refuse.
using AcceptCallback = std::function<std::optional<std::uint32_t>(const CallerRequest &)>;

struct ListenerStats {
  std::uint64_t inductions = 0;  // induction requests answered
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;   // by the application or by policy
  std::uint64_t repeated = 0;   // conclusions for an already accepted caller
  std::uint64_t full = 0;       // refused: max_connections callers already (also in rejected)
  std::uint64_t malformed = 0;  // not an SRT handshake, truncated, bad extensions
  std::uint64_t bad_cookie = 0;
  std::uint64_t bad_version = 0;
  std::uint64_t ignored = 0;  // data or control other than handshake
};

class Listener {
 public:
  Listener(const ListenerConfig &config, const NetAddress &local, Random &random);

  void set_accept_callback(AcceptCallback cb) { accept_ = std::move(cb); }
  // Decides group members (with group_connect); runs after the accept callback.
  void set_group_callback(GroupCallback cb) { group_ = std::move(cb); }

  struct Result {
    std::size_t reply_size = 0;            // bytes written to `reply`, to send to `from`
    std::unique_ptr<Connection> accepted;  // a new connection (its response is in reply)
    // Refused for encryption (BADSECRET / UNSECURE) after the application
    // accepted the caller: the owner may tell the application.
    std::optional<RejectReason> km_refused;
  };
  // `reply` must hold at least mss bytes.
  Result handle_datagram(TimePoint now, const NetAddress &from, ByteSpan bytes,
                         MutableByteSpan reply);

  // Forget accepted callers whose connection the owner dropped.
  void forget(std::uint32_t local_socket_id);

  const ListenerStats &stats() const { return stats_; }
  // Accepted callers remembered for repeated conclusions (at most
  // max_connections).
  std::size_t remembered() const;

 private:
  struct State;
  ListenerConfig config_;
  NetAddress local_;
  Random &random_;
  AcceptCallback accept_;
  GroupCallback group_;
  ListenerStats stats_;
  std::shared_ptr<State> state_;
};

}  // namespace srtcore::srt
