#include "srt/ack_scheduler.hpp"

#include <algorithm>

namespace srtcore::srt {

AckScheduler::AckScheduler(TimePoint now, std::uint32_t isn, const AckSchedulerConfig &config)
    : config_(config),
      next_timer_(now + config.interval),
      last_ack_(isn & kSeqMask),
      last_ackack_(isn & kSeqMask),
      history_(std::max<std::size_t>(config.history, 1)) {}

std::optional<AckToSend> AckScheduler::on_data(TimePoint /*now*/, std::uint32_t ack_seq) {
  ++packets_;
  if (packets_ < config_.light_ack_packets * light_count_) return std::nullopt;
  ++light_count_;
  if (ack_seq == last_ackack_) return std::nullopt;
  return AckToSend{AckKind::kLight, 0, ack_seq};
}

std::optional<AckToSend> AckScheduler::on_timer(TimePoint now, std::uint32_t ack_seq, Duration srtt,
                                                Duration rttvar) {
  next_timer_ = now + config_.interval;
  packets_ = 0;
  light_count_ = 1;

  if (ack_seq == last_ackack_) return std::nullopt;  // the peer knows already
  if (seq_gt(ack_seq, last_ack_)) {
    last_ack_ = ack_seq;
  } else if (ack_seq == last_ack_) {
    // Repeat an unchanged ACK only when the last one had time to come back.
    if (sent_full_ && now - last_full_ < srtt + 4 * rttvar) return std::nullopt;
  } else {
    return std::nullopt;  // the buffer's ACK went backwards: nothing sensible to say
  }
  if (!seq_gt(last_ack_, last_ackack_)) return std::nullopt;

  ack_number_ = ack_next(ack_number_);
  if (ack_number_ == 0) ack_number_ = 1;  // 0 is the light ACK's number
  AckToSend out{AckKind::kSmall, ack_number_, last_ack_};
  // libsrt uses ">" but its timer fires strictly after the deadline; ours
  // fires at it, so ">=" gives the same full ACK every interval.
  if (!sent_full_ || now - last_full_ >= config_.interval) {
    out.kind = AckKind::kFull;
    last_full_ = now;
    sent_full_ = true;
  }
  journal(now);
  return out;
}

AckToSend AckScheduler::window_update(TimePoint now) {
  ack_number_ = ack_next(ack_number_);
  if (ack_number_ == 0) ack_number_ = 1;
  last_full_ = now;
  sent_full_ = true;
  journal(now);
  return AckToSend{AckKind::kFull, ack_number_, last_ack_};
}

void AckScheduler::journal(TimePoint now) {
  // A full ring forgets its oldest entry.
  const std::size_t cap = history_.size();
  if (history_count_ == cap) {
    history_head_ = (history_head_ + 1) % cap;
    --history_count_;
  }
  history_[(history_head_ + history_count_) % cap] = Entry{ack_number_, last_ack_, now};
  ++history_count_;
}

std::optional<AckAckSample> AckScheduler::on_ackack(TimePoint now, std::uint32_t ack_number) {
  const std::size_t cap = history_.size();
  for (std::size_t i = 0; i < history_count_; ++i) {
    const Entry &e = history_[(history_head_ + i) % cap];
    if (e.ack_number != ack_number) continue;
    const AckAckSample s{now - e.sent, e.ack_seq};
    // This entry and every older one are answered or lost.
    history_head_ = (history_head_ + i + 1) % cap;
    history_count_ -= i + 1;
    if (seq_gt(s.ack_seq, last_ackack_)) last_ackack_ = s.ack_seq;
    if (s.rtt.count() <= 0) return std::nullopt;
    return s;
  }
  return std::nullopt;
}

}  // namespace srtcore::srt
