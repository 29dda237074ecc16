// Two SRT socket groups (srt-core/bond) joined by several simulated two-way
// paths in virtual time: side A runs caller-side Groups (one add_link per
// path), side B one group-connect Listener per path address and a
// GroupAcceptor that keeps the mirror groups. Each path is its own sim::Pipe
// with its own LinkConfig, plus a harness stage in front of it whose extra
// loss and extra delay can be changed mid-run (the link model's own
// impairments are fixed at construction).
//
// The loop is SimPair's: the next virtual time is the earliest of the
// scheduled actions, the application, the held datagrams, the pipes and
// every group's next_deadline(); a group is drained (poll_transmit,
// poll_event, receive_message) after every datagram it is given and after
// its timers.
//
// A paced stream of unique messages (an 8-byte index, then filler derived
// from it) can be sent from a caller group; what the mirror group on side B
// delivers is recorded and judged by StreamReport.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "bond/acceptor.hpp"
#include "bond/group.hpp"
#include "sim/pipe.hpp"
#include "sim/rng.hpp"
#include "sim_pair.hpp"
#include "srt/listener.hpp"
#include "srt/random.hpp"

namespace srtcore::bond {
// googletest prints link states by name.
inline void PrintTo(LinkState s, std::ostream *os) {
  *os << link_state_name(s);
}
inline void PrintTo(GroupMode m, std::ostream *os) {
  *os << group_mode_name(m);
}
}  // namespace srtcore::bond

namespace srtcore::bond::simtest {

using srt::simtest::from_sim_ceil;
using srt::simtest::to_sim;

struct GroupSimConfig {
  std::uint64_t seed = 1;
  GroupConfig caller;                  // side A's first caller group
  AcceptorConfig acceptor;             // side B (every listener uses acceptor.group.connection)
  std::vector<sim::LinkConfig> paths;  // one two-way path each (seeds derived from `seed`)
  std::vector<std::uint16_t> weights;  // per path, for add_link (missing: 0)
  bool open_links = true;              // add_link for every path at construction
  TimePoint start{};
};

// One message of the stream as the receiving group handed it over.
struct Delivery {
  std::uint64_t index = 0;
  TimePoint at{};  // when receive_message returned it
  srt::MessageInfo info;
  bool bytes_ok = false;
};

// The judgement of a stream: which messages were delivered, how often, in
// which order, and how long after their origin (send) time.
struct StreamReport {
  std::uint64_t sent = 0;     // messages handed to send_message and accepted
  std::uint64_t refused = 0;  // send_message returned false
  std::uint64_t delivered = 0;
  std::uint64_t duplicates = 0;        // delivered more than once
  std::uint64_t out_of_order = 0;      // delivered after a higher index
  std::uint64_t corrupt = 0;           // bytes not what was sent
  std::uint64_t foreign = 0;           // not a message of this stream
  std::vector<std::uint64_t> missing;  // sent, never delivered (first 50)
  std::uint64_t missing_count = 0;
  std::vector<std::uint64_t> refused_index;  // first 50
  Duration worst_age{};                      // max(delivered at - origin)
  std::uint64_t worst_age_index = 0;
  std::uint64_t over_bound = 0;  // delivered later than the bound given to report()
  std::uint64_t first_over_bound = 0;
  std::string summary() const;
};

class GroupSim {
 public:
  explicit GroupSim(const GroupSimConfig &config);
  ~GroupSim();
  GroupSim(const GroupSim &) = delete;
  GroupSim &operator=(const GroupSim &) = delete;

  TimePoint now() const { return now_; }
  srt::Duration since_start() const { return now_ - start_; }
  TimePoint at_s(double seconds) const;  // start + seconds

  // ---- side A --------------------------------------------------------------
  Group &caller(int c = 0) { return *callers_.at(static_cast<std::size_t>(c)).group; }
  // Another caller-side group (its own id) without links; returns its index.
  int add_caller(const GroupConfig &config);
  // A new path (pipe origin: now) used by caller group `c`; returns its index.
  int add_path(const sim::LinkConfig &link, int c = 0);
  // Opens a link of the path's caller group over `path`.
  LinkId add_link(int path, std::uint16_t weight = 0);
  bool remove_link(int path);
  // Side A's link over `path` (the last one opened there).
  std::optional<LinkId> link_of_path(int path) const;
  LinkState state_of_path(int path) const;  // kBroken when the link is gone

  // ---- side B --------------------------------------------------------------
  GroupAcceptor &acceptor() { return *acceptor_; }
  // The mirror of caller group `c` (nullptr until its first member came).
  Group *mirror(int c = 0);
  srt::Listener &listener(int path) { return *paths_.at(static_cast<std::size_t>(path))->listener; }

  // ---- paths ---------------------------------------------------------------
  std::size_t path_count() const { return paths_.size(); }
  sim::Pipe &pipe(int path) { return paths_.at(static_cast<std::size_t>(path))->pipe; }
  // Harness stage in front of the link model, both directions, from now on.
  void set_loss(int path, double p);
  void set_extra_delay(int path, srt::Duration d);
  void set_up(int path, bool up) { pipe(path).set_up(up); }
  std::uint64_t harness_dropped(int path) const;

  // ---- schedule ------------------------------------------------------------
  // Runs `action` in the loop turn at virtual time `t` (before the application).
  void at(TimePoint t, std::function<void()> action);
  void cut(int path, TimePoint from, TimePoint to);
  void loss_window(int path, TimePoint from, TimePoint to, double p);
  void delay_window(int path, TimePoint from, TimePoint to, srt::Duration extra);

  // ---- hooks ---------------------------------------------------------------
  std::function<void(TimePoint now)> app;
  std::function<std::optional<TimePoint>()> app_deadline;
  // Every datagram leaving side `from` (0: A, 1: B) on `path`, before the
  // harness stage and the pipe; may rewrite it; false drops it.
  std::function<bool(int from, int path, std::vector<std::uint8_t> &bytes)> tamper;
  // Every message a group delivers (side 0: A, 1: B).
  std::function<void(int side, Group &g, TimePoint now, const srt::MessageInfo &, srt::ByteSpan)>
      on_message;

  // Prints every copy of the stream's message `index` that either side
  // sends (with what the path did to it), every NAK covering it, and every
  // group event from when it was sent until it was delivered (environment
  // GROUP_SIM_TRACE=<index> sets it for any test).
  std::optional<std::uint64_t> trace_index;

  struct Event {
    int side = 0;  // 0: A, 1: B
    const Group *group = nullptr;
    TimePoint at{};
    GroupEvent event;
  };
  std::vector<Event> events;
  // Side A's kLinkState events of caller `c` for `link`.
  std::vector<Event> link_events(int c, LinkId link) const;
  std::string event_log(int side = -1) const;
  std::string event_log_line(const Event &e) const;

  // ---- the stream ----------------------------------------------------------
  // Sends `count` messages of `size` bytes (>= 8) from caller `c`, one every
  // `interval` from `from`, each with its send time as origin; records what
  // the mirror group delivers.
  void stream(int c, std::uint64_t count, srt::Duration interval, std::size_t size, TimePoint from);
  bool stream_done() const;      // every accepted message delivered
  TimePoint stream_end() const;  // origin time of the last message
  // Judges deliveries; `bound`: the most a message may take from its origin.
  StreamReport report(srt::Duration bound) const;
  const std::vector<Delivery> &deliveries() const { return deliveries_; }

  // ---- running -------------------------------------------------------------
  void run_until(TimePoint until, const std::function<bool()> &done = {});
  void run_for(srt::Duration d, const std::function<bool()> &done = {}) {
    run_until(now_ + d, done);
  }
  // Until every caller-0 link is connected and its mirror has as many members.
  bool connect_all(srt::Duration timeout = std::chrono::seconds(5));

  std::uint64_t loop_turns = 0;
  // Times the loop had to step 1 us past a deadline that handle_timeout did
  // not move (an engine reporting work it does not do).
  std::uint64_t stalls = 0;
  std::uint64_t unroutable[2] = {0, 0};  // datagrams arriving at A / B for no known link
  std::uint64_t datagrams[2] = {0, 0};   // sent by A / B

 private:
  struct Held {
    TimePoint release;
    std::vector<std::uint8_t> bytes;
  };
  struct Stage {
    double loss = 0.0;
    srt::Duration extra_delay{};
    std::optional<sim::Xoshiro256> rng;
    std::deque<Held> held;
    std::uint64_t dropped = 0;
  };
  struct Path {
    Path(const sim::LinkConfig &l, sim::TimePoint origin) : pipe(sim::Pipe::symmetric(l, origin)) {}
    sim::Pipe pipe;
    srt::NetAddress a_addr, b_addr;
    int caller = 0;
    std::unique_ptr<srt::SeededRandom> listener_random;
    std::unique_ptr<srt::Listener> listener;
    std::optional<LinkId> a_link;
    Stage stage[2];  // 0: A -> B, 1: B -> A
  };
  struct Caller {
    std::unique_ptr<srt::SeededRandom> random;
    std::unique_ptr<Group> group;
    std::map<LinkId, int> path_of;
  };
  struct Action {
    TimePoint t;
    std::uint64_t order;
    std::function<void()> action;
  };

  void send(int from, int path, srt::ByteSpan bytes);
  void to_pipe(int from, int path, srt::ByteSpan bytes);
  void trace(int from, int path, srt::ByteSpan bytes, const char *fate);
  void arrive_a(int path, srt::ByteSpan bytes);
  void arrive_b(int path, srt::ByteSpan bytes);
  void drain(int side, Group &g);
  void drain_all();
  std::vector<Group *> b_groups();
  std::optional<TimePoint> next_time();
  void on_delivery(Group &g, const srt::MessageInfo &info, srt::ByteSpan bytes);

  TimePoint start_;
  TimePoint now_;
  std::uint64_t seed_;
  GroupSimConfig config_;
  std::vector<std::unique_ptr<Path>> paths_;
  std::vector<Caller> callers_;
  srt::SeededRandom acceptor_random_;
  std::unique_ptr<GroupAcceptor> acceptor_;
  std::map<std::pair<const Group *, LinkId>, int> b_path_;
  std::vector<Action> actions_;
  std::uint64_t action_order_ = 0;
  std::vector<std::uint8_t> buf_ = std::vector<std::uint8_t>(2048);
  std::vector<std::uint8_t> msg_ = std::vector<std::uint8_t>(2048);
  std::vector<std::uint8_t> scratch_;
  std::vector<std::uint8_t> stream_buf_;

  // The stream.
  int stream_caller_ = -1;
  std::uint64_t stream_count_ = 0;
  std::uint64_t stream_next_ = 0;
  srt::Duration stream_interval_{};
  std::size_t stream_size_ = 0;
  TimePoint stream_from_{};
  std::vector<TimePoint> origin_;
  std::vector<std::uint8_t> accepted_;  // per index: 1 when send_message took it
  std::vector<std::uint32_t> count_;    // per index: deliveries
  std::vector<Delivery> deliveries_;
  std::uint64_t foreign_ = 0;
  std::optional<std::uint32_t> trace_seq_;
  std::optional<TimePoint> trace_until_;
};

// Message content of the stream: the index big-endian, then filler.
void fill_message(std::uint64_t index, srt::MutableByteSpan out);
bool message_ok(srt::ByteSpan bytes, std::uint64_t *index);

// Rewrites the GROUP extension of a conclusion handshake in place (returns
// false when `bytes` is not a handshake carrying one).
bool rewrite_group_ext(std::vector<std::uint8_t> &bytes,
                       const std::function<void(srt::GroupExt &)> &edit);
// The handshake type of a handshake datagram (1000 + reason for rejections).
std::optional<std::uint32_t> handshake_type(srt::ByteSpan bytes);

}  // namespace srtcore::bond::simtest
