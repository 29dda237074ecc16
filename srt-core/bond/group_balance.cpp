// Balancing (group type 3, ours): each message goes on one link, chosen in
// proportion to the share each link is given; every link keeps every
// message, so a loss is retransmitted on whichever link the receiver asks.
// Shares follow what links deliver: a link whose round trip grows (its
// queue fills) or that loses packets gets what it delivered, the others
// grow by a tenth every 100 ms up to a quarter above what they deliver, so
// the stream settles over the links' capacities. The receiver finds losses on the group's sequence
// space (a link brings only its share, so its own holes say nothing) once a hole is older than the
// links' delay spread, and NAKs them on the fastest link.
#include <algorithm>

#include "bond/group_impl.hpp"

namespace srtcore::bond {

namespace {

constexpr Duration kShareInterval = std::chrono::milliseconds(100);
constexpr double kShareGrowth = 1.1;
constexpr double kShareFloor = 12'500.0;  // 100 kbit/s
constexpr double kLossCongestion = 0.03;

bool usable(const Link &l) {
  return l.joined && !l.removing && l.conn && l.connected();
}

}  // namespace

Link *Group::Impl::pick_carrier(std::size_t size) {
  Link *best = nullptr;
  double best_finish = 0;
  // A silent link carries nothing while another answers; a lossy or slow
  // one carries less through its share.
  bool any_answering = false;
  for (const auto &l : links) any_answering |= usable(*l) && !l->quality.silent();
  for (const auto &l : links) {
    if (!usable(*l) || (any_answering && l->quality.silent())) continue;
    const double finish = l->vtime + static_cast<double>(size) / std::max(l->share, kShareFloor);
    if (!best || finish < best_finish) {
      best = l.get();
      best_finish = finish;
    }
  }
  if (best) best->vtime = best_finish;
  return best;
}

void Group::Impl::balance_policy(TimePoint now) {
  for (const auto &lp : links) {
    Link &l = *lp;
    if (!usable(l)) continue;
    const srt::LinkHealth h = l.conn->health();
    l.quality.update(now, h, l.running_since);
    if (h.rtt_measured) l.min_rtt = std::min(l.min_rtt, h.srtt);
    if (now - l.share_updated < kShareInterval) continue;
    l.share_updated = now;
    const Duration queueing_limit =
        std::max<Duration>(std::chrono::milliseconds(20), quality.latency / 8);
    const bool congested =
        l.quality.rate_loss() > kLossCongestion || l.quality.silent() ||
        (h.rtt_measured && l.min_rtt != Duration::max() && h.srtt > l.min_rtt + queueing_limit);
    const auto delivered = static_cast<double>(h.peer_recv_rate_bytes);
    if (congested) {
      if (delivered > 0) l.share = std::max(0.9 * delivered, kShareFloor);
    } else {
      // Grow, but promise no link much more than it showed it delivers.
      l.share = std::min(l.share * kShareGrowth, std::max(delivered * 1.25, kInitialShare));
    }
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
  Link *fastest = nullptr;
  Duration fastest_score{};
  for (const auto &l : links) {
    if (!usable(*l)) continue;
    const srt::LinkHealth h = l->conn->health();
    lo = std::min(lo, h.srtt);
    hi = std::max(hi, h.srtt);
    var = std::max(var, h.rttvar);
    const Duration score = h.srtt + (now - h.last_received);
    if (!fastest || score < fastest_score) {
      fastest = l.get();
      fastest_score = score;
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
  std::vector<srt::SeqRange> due;
  for (Hole &h : now_holes) {
    if (now - h.seen < tolerance) continue;
    if (h.reported && now - *h.reported < repeat) continue;
    due.push_back(h.range);
    h.reported = now;
  }
  // A NAK carries what fits one packet; the rest goes at the next tick.
  constexpr std::size_t kRangesPerNak = 150;
  if (due.size() > kRangesPerNak) {
    for (std::size_t i = kRangesPerNak; i < due.size(); ++i) {
      for (Hole &h : now_holes) {
        if (h.range.first == due[i].first) h.reported.reset();
      }
    }
    due.resize(kRangesPerNak);
  }
  fastest->conn->report_losses(now, due);
  holes = std::move(now_holes);
}

}  // namespace srtcore::bond
