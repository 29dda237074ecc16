// The listener side of groups, sans-I/O: decides whether a caller's GROUP
// extension may join (as a libsrt listener with SRTO_GROUPCONNECT does),
// keeps one mirror Group per peer group id, and hands each accepted member
// to its group.
//
//   GroupAcceptor acc(cfg, random);
//   listener.set_group_callback(acc.callback(now_ref));   // answers conclusions
//   auto r = listener.handle_datagram(now, from, bytes, reply);
//   if (r.accepted && r.accepted->negotiated_group())
//     auto [group, link] = acc.adopt(now, std::move(r.accepted));
//
// Refused with SRT_REJ_GROUP: a type we do not run or that differs from the
// group's first member, a stream id that differs from the group's, too many
// members or groups. (A group id without bit 30 never gets here: the
// Listener refuses it as ROGUE, as libsrt does.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "bond/group.hpp"
#include "srt/listener.hpp"

namespace srtcore::bond {

struct AcceptorConfig {
  GroupConfig group;  // connection settings and policy of each mirror group
  std::size_t max_groups = 64;
  std::size_t max_members = 16;  // per group
  bool allow_balancing = true;   // ours; libsrt 1.5 refuses type 3
};

struct AcceptorStats {
  std::uint64_t groups_created = 0;
  std::uint64_t members_adopted = 0;
  std::uint64_t refused_type = 0;   // unknown type, or not the group's type
  std::uint64_t refused_peer = 0;   // stream id differs from the group's members
  std::uint64_t refused_limit = 0;  // too many groups or members
};

class GroupAcceptor {
 public:
  GroupAcceptor(const AcceptorConfig &config, srt::Random &random);

  // The Listener's group callback: our GROUP answer, or a rejection code.
  srt::GroupDecision decide(TimePoint now, const srt::CallerRequest &request);

  // A member the Listener accepted: joins (or founds) the mirror group of its
  // peer group id. The group and the member's link id; nullptr when the
  // connection carries no group or its group was refused meanwhile.
  std::pair<Group *, LinkId> adopt(TimePoint now, std::unique_ptr<srt::Connection> accepted);

  Group *find_by_peer(std::uint32_t peer_group_id);
  // Every live group (the owner drives them).
  std::vector<Group *> groups();
  // Drops groups that are closed (all members gone). Returns how many.
  std::size_t collect(TimePoint now);

  const AcceptorStats &stats() const { return stats_; }

 private:
  struct Entry {
    std::unique_ptr<Group> group;
    std::string stream_id;
    TimePoint created{};
  };
  AcceptorConfig config_;
  srt::Random &random_;
  std::map<std::uint32_t, Entry> by_peer_;  // peer group id -> our mirror
  AcceptorStats stats_;
};

}  // namespace srtcore::bond
