// An SRT socket group (bonding), sans-I/O: one live stream over several
// member connections (links), wire-compatible with libsrt 1.5 groups.
//
// Members share one sequence space, one timestamp origin and, on the
// receiving side, one receive buffer: whichever link brings a packet first
// stores it, copies are discarded, and every link acknowledges what the
// group holds. How messages go out depends on the mode:
//   broadcast  every message on every link;
//   backup     on the preferred stable link; when it becomes unstable (silent,
//              or too lossy / slow to deliver within the latency) the best
//              standby is activated and everything not yet acknowledged is
//              sent there too; the preferred link takes over again once it
//              has been stable for a while.
//
// The owner loops as for a Connection, with the link named on input and on
// output:
//   handle_datagram(now, link, bytes)      datagrams for that link's socket id
//   handle_timeout(now)                    when now >= next_deadline()
//   while (t = poll_transmit(now, buf))    send buf[0..t->size) on t->link
//   while (e = poll_event()) ...
//   while (m = receive_message(now, out))  deliver
// A caller-side group opens its links with add_link (one Connection each,
// reconnected with backoff when it breaks); a listener-side group is made by
// GroupAcceptor and adopts the members a Listener accepts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "srt/address.hpp"
#include "srt/bytes.hpp"
#include "srt/connection.hpp"
#include "srt/handshake.hpp"
#include "srt/random.hpp"
#include "srt/stats.hpp"
#include "srt/time.hpp"

namespace srtcore::bond {

using srt::ByteSpan;
using srt::Duration;
using srt::MutableByteSpan;
using srt::TimePoint;

// The wire's group types (GROUP handshake extension).
enum class GroupMode : std::uint8_t { kBroadcast = 1, kBackup = 2, kBalancing = 3 };
const char *group_mode_name(GroupMode m);

// libsrt's member states (SRT_GST_PENDING, _IDLE, _RUNNING, _BROKEN).
enum class LinkState : std::uint8_t {
  kPending,  // connecting (or waiting to reconnect)
  kIdle,     // connected, not carrying data (backup standby)
  kRunning,  // connected, carrying data
  kBroken,   // failed; a caller link reconnects after a backoff
};
const char *link_state_name(LinkState s);

using LinkId = std::uint32_t;

// One path of a caller-side group.
struct LinkSpec {
  srt::NetAddress peer;
  srt::NetAddress local;     // the I/O binds this path's socket here (port 0: any)
  std::uint16_t weight = 0;  // backup: higher is preferred (0..32767)
};

struct GroupConfig {
  GroupMode mode = GroupMode::kBroadcast;
  srt::ConnectionConfig connection;  // every member: latency, stream id, sizes
  // Caller links that break are opened again after a backoff doubling from
  // min to max.
  bool reconnect = true;
  Duration reconnect_min = std::chrono::milliseconds(100);
  Duration reconnect_max = std::chrono::seconds(5);
  // Backup: a link that recovered must stay stable this long before it takes
  // the stream back from a less preferred one.
  Duration takeback_hold = std::chrono::seconds(2);
  // Backup: minimum silence before a running link counts as unstable
  // (libsrt SRTO_GROUPMINSTABLETIMEO).
  Duration min_stable_timeout = std::chrono::milliseconds(60);
};

struct GroupEvent {
  enum class Kind : std::uint8_t {
    kLinkState,   // a link moved from `from` to `to` (detail says why)
    kConnected,   // the group has its first connected link
    kLinkFailed,  // a link was rejected or broke; reject_code when rejected
    kBroken,      // no link is connected and none will reconnect
  };
  Kind kind;
  LinkId link = 0;
  LinkState from = LinkState::kPending;
  LinkState to = LinkState::kPending;
  std::uint32_t reject_code = 0;
  std::string detail;
  srt::Negotiated negotiated;  // kConnected and kLinkState to a connected state
};

struct Transmit {
  LinkId link = 0;
  std::size_t size = 0;
};

struct LinkInfo {
  LinkId id = 0;
  LinkSpec spec;  // listener side: peer and local of the accepted member
  LinkState state = LinkState::kPending;
  std::uint32_t socket_id = 0;  // local socket id of the current connection (0: none)
  bool caller = true;           // opened by us (reconnects) or accepted
};

struct LinkStats {
  LinkInfo info;
  srt::Stats stats;  // libsrt's per-socket names
};

// Group totals (libsrt's group statistics where it has them).
struct GroupStats {
  std::int64_t msTimeStamp = 0;
  std::int64_t pktSent = 0;          // messages the application handed over
  std::int64_t pktRecv = 0;          // data packets the links brought, copies included
  std::int64_t pktRecvUnique = 0;    // stored for delivery
  std::int64_t pktRcvRedundant = 0;  // copies discarded (another link was first)
  std::int64_t pktRcvDrop = 0;       // sequences given up at delivery time
  std::int64_t pktDelivered = 0;     // messages delivered
  // Backup: unacknowledged packets resent on activation; balancing: what a
  // silent link carried, resent on the others.
  std::int64_t pktSndGroupRexmit = 0;
  std::int64_t linkActivations = 0;  // backup: standby links activated
  std::int64_t linkReconnects = 0;   // caller links opened again
  std::uint64_t byteSent = 0;
  std::uint64_t byteDelivered = 0;
  int msRcvTsbPdDelay = 0;
};

class Group {
 public:
  // Caller side: a new group with a fresh id (bit 30 set).
  Group(const GroupConfig &config, srt::Random &random, TimePoint now);
  // Listener side: the mirror of the peer's group `peer`, answering with our
  // own id. Members come through adopt().
  Group(const GroupConfig &config, const srt::GroupExt &peer, srt::Random &random, TimePoint now);
  ~Group();
  Group(const Group &) = delete;
  Group &operator=(const Group &) = delete;

  std::uint32_t id() const;
  GroupMode mode() const;
  // The GROUP extension our members send (caller) or answer with (listener).
  srt::GroupExt extension(std::uint16_t weight = 0) const;
  // The peer's group id, once a member connected (caller) or from the start.
  std::optional<std::uint32_t> peer_id() const;

  // Caller side: opens a link; the first handshake comes from poll_transmit.
  LinkId add_link(TimePoint now, const LinkSpec &spec);
  // Listener side: takes a member the Listener accepted (it carries the
  // peer's GROUP extension in its negotiated values).
  LinkId adopt(TimePoint now, std::unique_ptr<srt::Connection> accepted);
  // Closes the link (shutdown sent when connected) and forgets it; a final
  // kLinkState event follows. False for an unknown id.
  bool remove_link(TimePoint now, LinkId link);

  std::vector<LinkInfo> links() const;
  // The link whose current connection has this local socket id.
  std::optional<LinkId> link_for_socket(std::uint32_t socket_id) const;

  void handle_datagram(TimePoint now, LinkId link, ByteSpan bytes);

  // Queues one message (<= payload_size bytes) for the group. False when no
  // link is connected or the group's send buffer is full.
  bool send_message(TimePoint now, ByteSpan message, std::optional<TimePoint> origin = {});
  std::size_t send_capacity() const;
  // Nothing waits to be sent or acknowledged on any connected link.
  bool all_acknowledged() const;

  // The next datagram due on any link (at least mss bytes of room).
  std::optional<Transmit> poll_transmit(TimePoint now, MutableByteSpan out);
  // The next datagram due on `link` alone, for an owner with one send queue
  // per link that writes straight into it (0 when none, or no such link).
  std::size_t poll_transmit(TimePoint now, LinkId link, MutableByteSpan out);
  std::optional<GroupEvent> poll_event();
  std::optional<srt::MessageInfo> receive_message(TimePoint now, MutableByteSpan out);

  std::optional<TimePoint> next_deadline() const;
  std::optional<TimePoint> next_timer_deadline() const;
  std::optional<TimePoint> next_delivery_time() const;
  void handle_timeout(TimePoint now);

  // Closes every link.
  void close(TimePoint now);
  bool connected() const;  // some link is idle or running
  bool closed() const;     // closed, or broken with nothing left to reconnect

  GroupStats stats(TimePoint now) const;
  std::vector<LinkStats> link_stats(TimePoint now) const;
  // The receive latency the members negotiated (the first one's).
  std::optional<Duration> recv_latency() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace srtcore::bond
