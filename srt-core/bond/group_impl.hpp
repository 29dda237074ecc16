// Group's inside, shared by group*.cpp: the links, the group's send history
// and receive buffer, and the backup policy's state.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "bond/group.hpp"
#include "bond/link_quality.hpp"
#include "bond/path_model.hpp"
#include "srt/receive_buffer.hpp"
#include "srt/send_buffer.hpp"

namespace srtcore::bond {

struct Link {
  LinkId id = 0;
  LinkSpec spec;
  bool caller = true;
  std::unique_ptr<srt::Connection> conn;
  LinkState state = LinkState::kPending;
  bool joined = false;    // the connection is a member of the group
  bool removing = false;  // remove_link: dropped once its last datagram went
  // Caller links: when to open the connection again, and the next backoff.
  std::optional<TimePoint> retry_at;
  Duration backoff{};
  // Backup.
  LinkQuality quality;
  std::optional<TimePoint> stable_since;   // carrying stably since (running links)
  std::optional<TimePoint> benched_until;  // silenced as unstable: may not lead before
  std::optional<TimePoint> running_since;  // carrying data since (backup)
  Duration penalty{};
  // Balancing: the path's capacity and queue as the scheduler sees them,
  // and the retransmissions counted into it so far.
  std::optional<PathModel> path;
  std::uint64_t resent_seen = 0;
  bool path_silent = false;

  Link(LinkId i, const LinkSpec &s, bool c, const QualityConfig &q)
      : id(i), spec(s), caller(c), quality(q) {}
  bool connected() const { return state == LinkState::kIdle || state == LinkState::kRunning; }
};

struct Group::Impl {
  Impl(const GroupConfig &c, srt::Random &r, TimePoint now, std::uint32_t group_id);

  // ---- group_links.cpp ----
  Link &make_link(const LinkSpec &spec, bool caller);
  void open_connection(TimePoint now, Link &l);
  void take_link_events(TimePoint now, Link &l);
  void on_link_connected(TimePoint now, Link &l, const srt::ConnectionEvent &e);
  void on_link_failed(TimePoint now, Link &l, const srt::ConnectionEvent &e);
  void set_state(Link &l, LinkState to, std::string detail);
  void collect_removed();
  Link *find(LinkId link);
  const Link *find(LinkId link) const;
  bool any_connected() const;

  // ---- group_send.cpp ----
  bool send(TimePoint now, ByteSpan message, TimePoint origin);
  void activate(TimePoint now, Link &l, const char *why);
  void deactivate(Link &l, const char *why);
  void backup_policy(TimePoint now);
  void update_history_ack();
  bool carries(const Link &l) const;

  // ---- group_balance.cpp ----
  Link *pick_carrier(TimePoint now, std::size_t size);
  void balance_policy(TimePoint now);
  void move_carried(TimePoint now, const Link &from);
  void trim_carriers();
  // Which link carried each message of the history (balancing), from
  // carriers_first on: what a link that falls silent took is sent again
  // on the others at once.
  std::deque<LinkId> carriers;
  std::uint32_t carriers_first = 0;
  void find_group_losses(TimePoint now);
  struct Hole {
    srt::SeqRange range;
    TimePoint seen{};
    std::optional<TimePoint> reported;
  };
  std::vector<Hole> holes;

  GroupConfig config;
  srt::Random &random;
  TimePoint created;
  std::uint32_t id;
  TimePoint start;                    // the group's timestamp origin (its first member's)
  std::optional<srt::GroupExt> peer;  // the peer's group
  QualityConfig quality;

  std::vector<std::unique_ptr<Link>> links;
  LinkId next_link_id = 1;
  std::size_t round_robin = 0;
  std::deque<GroupEvent> events;
  bool ever_connected = false;
  bool closed = false;

  // The sequence space, timestamp origin and receive buffer the first
  // connected member lends to the group.
  bool synced = false;
  srt::SendBuffer history;  // sent, not yet acknowledged by the peer group
  std::shared_ptr<srt::ReceiveBuffer> rcv;
  std::optional<srt::Duration> recv_latency;
  std::optional<srt::Duration> drop_threshold;
  std::uint32_t dropped_pending = 0;
  TimePoint next_policy{};

  GroupStats n;
};

}  // namespace srtcore::bond
