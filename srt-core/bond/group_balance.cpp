// Balancing (group type 3, ours): each message goes on one link, the least
// used for its capacity among those whose modelled queue is short
// (bond/path_model.hpp), so the stream spreads over the paths in proportion
// to what each carries. Every link keeps every message, so a loss is
// retransmitted on whichever link the receiver asks. The receiver finds
// losses on the group's sequence space (a link brings only its part, so its
// own holes say nothing) once a hole is older than the links' delay spread,
// and NAKs them on the link that answers soonest.
#include <algorithm>

#include "bond/group_impl.hpp"

namespace srtcore::bond {

using namespace std::chrono_literals;

namespace {

bool usable(const Link &l) {
  return l.joined && !l.removing && l.conn && l.connected() && l.path;
}

}  // namespace

Link *Group::Impl::pick_carrier(TimePoint now, std::size_t size) {
  // A silent link carries nothing while another answers.
  bool any_answering = false;
  for (const auto &l : links) any_answering |= usable(*l) && !l->path_silent;
  const auto candidate = [&](const Link &l) {
    return usable(l) && !(any_answering && l.path_silent);
  };
  // The least used link for its capacity among those with a short queue:
  // the stream spreads in proportion to the capacities, every link stays
  // warm (measured, and holding only its part when it dies).
  Link *best = nullptr;
  double best_use = 0;
  for (const auto &l : links) {
    if (!candidate(*l) || l->path->full(now)) continue;
    const double u = l->path->utilization(now);
    if (!best || u < best_use) {
      best = l.get();
      best_use = u;
    }
  }
  if (!best) {
    // Every queue is long (more than the links carry): the one it leaves first.
    Duration best_wait{};
    for (const auto &l : links) {
      if (!candidate(*l)) continue;
      const Duration w = l->path->wait(now, size);
      if (!best || w < best_wait) {
        best = l.get();
        best_wait = w;
      }
    }
  }
  if (best) best->path->give(now, size);
  return best;
}

void Group::Impl::balance_policy(TimePoint now) {
  for (const auto &lp : links) {
    Link &l = *lp;
    if (!usable(l)) continue;
    const srt::LinkHealth h = l.conn->health();
    // The quality verdict only feeds the link's stats here; silence is
    // judged on what this link was given (it holds every message
    // unacknowledged, but carries only some). A carrying member ACKs every
    // 10 ms (link_news in the connection); a false alarm costs only the
    // resends of move_carried, a late one what the latency cannot repair.
    l.quality.update(now, h, std::nullopt);
    const Duration silence_limit = std::clamp<Duration>(
        h.srtt + 4 * h.rttvar + 10ms, 20ms, std::max<Duration>(quality.latency / 2, 20ms));
    const bool was_silent = l.path_silent;
    l.path_silent = l.path->silent(now, h.last_received, silence_limit);
    if (l.path_silent && !was_silent) move_carried(now, l);
    PathReport r;
    r.srtt = h.srtt;
    r.rttvar = h.rttvar;
    r.rtt_measured = h.rtt_measured;
    r.delivered = static_cast<double>(h.peer_recv_rate_bytes);
    // Retransmissions take the path's capacity as well (sizes as the
    // stream's average message).
    const std::uint64_t resent = h.retransmitted - std::min(h.retransmitted, l.resent_seen);
    l.resent_seen = h.retransmitted;
    if (resent > 0 && n.pktSent > 0) {
      r.resent = static_cast<double>(resent) * static_cast<double>(n.byteSent) /
                 static_cast<double>(n.pktSent);
    }
    l.path->adjust(now, r);
  }
}

// A link fell silent: what it carried and the peer has not acknowledged
// goes again on the links pick_carrier chooses now, without waiting for the
// receiver to find the holes (it sees one only once a later message came on
// another link, and then waits out the links' delay spread).
void Group::Impl::move_carried(TimePoint now, const Link &from) {
  const std::size_t size =
      n.pktSent > 0 ? static_cast<std::size_t>(n.byteSent / static_cast<std::uint64_t>(n.pktSent))
                    : config.connection.payload_size;
  std::uint32_t seq = carriers_first;
  for (LinkId &c : carriers) {
    if (c == from.id) {
      if (Link *to = pick_carrier(now, size); to && to != &from) {
        to->conn->resend(seq, seq);
        c = to->id;
        ++n.pktSndGroupRexmit;
      }
    }
    seq = srt::seq_next(seq);
  }
}

void Group::Impl::trim_carriers() {
  while (!carriers.empty() && srt::seq_lt(carriers_first, history.first_seq())) {
    carriers.pop_front();
    carriers_first = srt::seq_next(carriers_first);
  }
}

void Group::Impl::find_group_losses(TimePoint now) {
  if (!rcv || rcv->ack_seq() == rcv->end_seq()) {
    holes.clear();
    return;
  }
  // How long a packet may trail its successors because it took a slower link.
  // The NAK goes on the link that answers soonest: short round trip, and
  // heard from lately (a cut link keeps its old RTT estimate).
  Duration lo = Duration::max(), hi{}, var{};
  Link *fastest = nullptr, *second = nullptr;
  Duration fastest_score{}, second_score{};
  for (const auto &l : links) {
    if (!usable(*l)) continue;
    const srt::LinkHealth h = l->conn->health();
    lo = std::min(lo, h.srtt);
    hi = std::max(hi, h.srtt);
    var = std::max(var, h.rttvar);
    const Duration score = h.srtt + (now - h.last_received);
    if (!fastest || score < fastest_score) {
      second = fastest;
      second_score = fastest_score;
      fastest = l.get();
      fastest_score = score;
    } else if (!second || score < second_score) {
      second = l.get();
      second_score = score;
    }
  }
  if (!fastest) return;
  const Duration tolerance = (hi - lo) / 2 + 2 * var + std::chrono::milliseconds(5);
  const Duration repeat = std::max<Duration>(lo + 4 * var, std::chrono::milliseconds(20));
  std::vector<Hole> now_holes;
  rcv->for_each_missing(rcv->ack_seq(), srt::seq_prev(rcv->end_seq()), [&](const srt::SeqRange &r) {
    Hole h{r, now, std::nullopt};
    for (const Hole &o : holes) {
      if (srt::seq_gt(o.range.first, r.last) || srt::seq_lt(o.range.last, r.first)) continue;
      h.seen = std::min(h.seen, o.seen);
      if (o.reported && (!h.reported || *o.reported > *h.reported)) h.reported = o.reported;
    }
    now_holes.push_back(h);
  });
  // A hole reported before and still open: its NAK or the retransmission
  // was lost, maybe on a lossy link; the next report goes on another one.
  std::vector<srt::SeqRange> due, again;
  for (Hole &h : now_holes) {
    if (now - h.seen < tolerance) continue;
    if (h.reported && now - *h.reported < repeat) continue;
    (h.reported && second ? again : due).push_back(h.range);
    h.reported = now;
  }
  // A NAK carries what fits one packet; the rest goes at the next tick.
  constexpr std::size_t kRangesPerNak = 150;
  for (auto *list : {&due, &again}) {
    if (list->size() <= kRangesPerNak) continue;
    for (std::size_t i = kRangesPerNak; i < list->size(); ++i) {
      for (Hole &h : now_holes) {
        if (h.range.first == (*list)[i].first) h.reported.reset();
      }
    }
    list->resize(kRangesPerNak);
  }
  if (!due.empty()) fastest->conn->report_losses(now, due);
  if (!again.empty()) second->conn->report_losses(now, again);
  holes = std::move(now_holes);
}

}  // namespace srtcore::bond
