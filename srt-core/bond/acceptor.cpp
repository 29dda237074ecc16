#include "bond/acceptor.hpp"

#include <algorithm>

namespace srtcore::bond {

GroupAcceptor::GroupAcceptor(const AcceptorConfig &config, srt::Random &random)
    : config_(config), random_(random) {}

srt::GroupDecision GroupAcceptor::decide(TimePoint now, const srt::CallerRequest &request) {
  srt::GroupDecision d;
  d.reject_code = static_cast<std::uint32_t>(srt::RejectReason::kGroup);
  if (!request.group) return d;
  const srt::GroupExt &g = *request.group;
  const auto type = static_cast<std::uint8_t>(g.type);
  // libsrt 1.5 defines one flag (SYNCONMSG) and refuses it too.
  const bool known =
      type >= 1 && type <= 3 && (type != 3 || config_.allow_balancing) && g.flags == 0;
  if (!known) {
    ++stats_.refused_type;
    return d;
  }
  auto it = by_peer_.find(g.group_id);
  if (it != by_peer_.end() && !it->second.group->closed()) {
    Group &grp = *it->second.group;
    if (static_cast<std::uint8_t>(grp.mode()) != type) {
      ++stats_.refused_type;  // libsrt: a member may not change its group's type
      return d;
    }
    if (it->second.stream_id != request.stream_id) {
      ++stats_.refused_peer;  // not the same stream: another peer's group id
      return d;
    }
    if (grp.links().size() >= config_.max_members) {
      ++stats_.refused_limit;
      return d;
    }
    d.answer = grp.extension(g.weight);
    return d;
  }
  if (it != by_peer_.end()) by_peer_.erase(it);  // a closed group: start afresh
  if (by_peer_.size() >= config_.max_groups) {
    collect(now);
    if (by_peer_.size() >= config_.max_groups) {
      ++stats_.refused_limit;
      return d;
    }
  }
  GroupConfig gc = config_.group;
  gc.mode = static_cast<GroupMode>(type);
  gc.reconnect = false;  // the caller's side reconnects
  Entry e;
  e.group = std::make_unique<Group>(gc, g, random_, now);
  e.stream_id = request.stream_id;
  e.created = now;
  d.answer = e.group->extension(g.weight);
  by_peer_.emplace(g.group_id, std::move(e));
  ++stats_.groups_created;
  return d;
}

std::pair<Group *, LinkId> GroupAcceptor::adopt(TimePoint now,
                                                std::unique_ptr<srt::Connection> accepted) {
  if (!accepted || !accepted->negotiated().peer_group) return {nullptr, 0};
  auto it = by_peer_.find(accepted->negotiated().peer_group->group_id);
  if (it == by_peer_.end()) return {nullptr, 0};
  Group *g = it->second.group.get();
  ++stats_.members_adopted;
  return {g, g->adopt(now, std::move(accepted))};
}

Group *GroupAcceptor::find_by_peer(std::uint32_t peer_group_id) {
  auto it = by_peer_.find(peer_group_id);
  return it == by_peer_.end() ? nullptr : it->second.group.get();
}

std::vector<Group *> GroupAcceptor::groups() {
  std::vector<Group *> v;
  v.reserve(by_peer_.size());
  for (auto &[id, e] : by_peer_) v.push_back(e.group.get());
  return v;
}

std::size_t GroupAcceptor::collect(TimePoint now) {
  (void)now;
  return std::erase_if(by_peer_, [](const auto &kv) { return kv.second.group->closed(); });
}

}  // namespace srtcore::bond
