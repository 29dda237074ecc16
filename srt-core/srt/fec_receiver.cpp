#include "srt/fec_receiver.hpp"

#include <algorithm>
#include <bit>

#include "srt/seq.hpp"

namespace srtcore::srt {

namespace {

// About four matrices: a staircase column spans up to two, and a FEC
// packet may trail its group's last packet by a little reordering.
std::size_t window_for(const FecGeometry &g) {
  const auto want = static_cast<std::size_t>(4 * g.period() + 2 * g.cols());
  return std::bit_ceil(std::max<std::size_t>(want, 64));
}

}  // namespace

FecReceiver::FecReceiver(const FecParams &params, std::uint32_t isn, std::size_t max_payload)
    : geo_(params),
      max_payload_(std::min(max_payload, kMaxFecClip)),
      ref_seq_(isn),
      cells_(window_for(geo_), 0) {
  const std::size_t w = cells_.size();
  const auto cols = static_cast<std::size_t>(geo_.cols());
  const std::size_t nrows = geo_.row_fec() ? w / cols + 2 : 0;
  series_slots_ = geo_.column_fec() ? w / static_cast<std::size_t>(geo_.period()) + 3 : 0;
  memory_.resize((nrows + series_slots_ * cols) * kMaxFecClip);
  const std::span<std::uint8_t> mem(memory_);
  std::size_t at = 0;
  rows_.resize(nrows);
  for (Group &g : rows_) {
    g.parity = fec::ParityGroup(mem.subspan(at, kMaxFecClip));
    at += kMaxFecClip;
  }
  cols_.resize(series_slots_ * cols);
  for (Group &g : cols_) {
    g.parity = fec::ParityGroup(mem.subspan(at, kMaxFecClip));
    g.column = true;
    at += kMaxFecClip;
  }
}

std::int64_t FecReceiver::offset_of(std::uint32_t seq) const {
  return ref_off_ + seq_diff(seq, ref_seq_);
}

std::uint32_t FecReceiver::seq_of(std::int64_t off) const {
  return seq_add(ref_seq_, static_cast<std::int32_t>(off - ref_off_));
}

void FecReceiver::note_offset(std::int64_t off, std::uint32_t seq) {
  if (off <= newest_) return;
  newest_ = off;
  ref_off_ = off;
  ref_seq_ = seq;
}

bool FecReceiver::has(std::int64_t off) const {
  if (off < lo_ || off >= lo_ + static_cast<std::int64_t>(cells_.size())) return false;
  return cells_[static_cast<std::size_t>(off) & (cells_.size() - 1)] != 0;
}

void FecReceiver::mark(std::int64_t off) {
  cells_[static_cast<std::size_t>(off) & (cells_.size() - 1)] = 1;
}

// Makes room for `newest`: what leaves the window is judged first.
void FecReceiver::slide_window(std::int64_t newest, FecSink &sink) {
  const auto w = static_cast<std::int64_t>(cells_.size());
  if (newest < lo_ + w) return;
  const std::int64_t new_lo = newest - w + 1;
  decide(new_lo, sink);
  if (new_lo - lo_ >= w) {
    std::fill(cells_.begin(), cells_.end(), std::uint8_t{0});
  } else {
    for (std::int64_t o = lo_; o < new_lo; ++o) {
      cells_[static_cast<std::size_t>(o) & (cells_.size() - 1)] = 0;
    }
  }
  lo_ = new_lo;
}

FecReceiver::Group *FecReceiver::row_group(std::int64_t row) {
  if (rows_.empty() || row < 0) return nullptr;
  Group &g = rows_[static_cast<std::size_t>(row) % rows_.size()];
  if (g.tag == row) return &g;
  if (g.tag > row) return nullptr;  // the slot moved on: this row is gone
  g.tag = row;
  g.first = geo_.row_first(row);
  g.step = 1;
  g.size = geo_.cols();
  g.fec = false;
  g.done = false;
  g.clip_len = 0;
  g.parity.reset();
  return &g;
}

FecReceiver::Group *FecReceiver::column_group(int index, std::int64_t series) {
  if (cols_.empty() || series < 0) return nullptr;
  const std::size_t slot = static_cast<std::size_t>(series) % series_slots_;
  Group &g = cols_[slot * static_cast<std::size_t>(geo_.cols()) + static_cast<std::size_t>(index)];
  if (g.tag == series) return &g;
  if (g.tag > series) return nullptr;
  g.tag = series;
  g.first = geo_.column_first(index, series);
  g.step = geo_.cols();
  g.size = geo_.rows();
  g.fec = false;
  g.done = false;
  g.clip_len = 0;
  g.parity.reset();
  return &g;
}

FecReceiver::Group *FecReceiver::other_group(const Group &g, std::int64_t off) {
  if (g.column) return geo_.row_fec() ? row_group(geo_.row_of(off)) : nullptr;
  const auto c = geo_.column_of(off);
  return c ? column_group(c->index, c->series) : nullptr;
}

void FecReceiver::on_data(const DataHeader &h, ByteSpan payload, FecSink &sink) {
  const std::int64_t off = offset_of(h.seq);
  if (off < lo_ || has(off)) return;
  slide_window(off, sink);
  note_offset(off, h.seq);
  mark(off);
  const fec::Clip clip{static_cast<std::uint16_t>(payload.size()), static_cast<std::uint8_t>(h.key),
                       h.timestamp};
  add_data(off, clip, payload, sink);
  decide(lo_, sink);
}

void FecReceiver::add_data(std::int64_t off, const fec::Clip &clip, ByteSpan payload,
                           FecSink &sink) {
  Group *row = geo_.row_fec() ? row_group(geo_.row_of(off)) : nullptr;
  Group *col = nullptr;
  if (const auto c = geo_.column_of(off)) col = column_group(c->index, c->series);
  if (row) row->parity.add(clip, payload);
  if (col) col->parity.add(clip, payload);
  if (row) rebuild_from(row, sink);
  if (col) rebuild_from(col, sink);
}

std::optional<std::uint32_t> FecReceiver::row_aligned_isn(const DataHeader &h,
                                                          ByteSpan payload) const {
  if (!geo_.row_fec()) return std::nullopt;
  const auto p = parse_fec_packet(h, payload);
  if (!p || p->index != kFecRowIndex) return std::nullopt;
  const std::int64_t cols = geo_.cols();
  const std::int64_t shift = ((offset_of(p->seq) + 1) % cols + cols) % cols;
  if (shift == 0) return std::nullopt;
  return seq_of(shift);  // offset `shift` becomes offset 0
}

bool FecReceiver::on_fec(const DataHeader &h, ByteSpan payload, FecSink &sink) {
  const auto p = parse_fec_packet(h, payload);
  if (!p) {
    ++stats_.malformed;
    return false;
  }
  const std::int64_t off = offset_of(p->seq);
  const auto w = static_cast<std::int64_t>(cells_.size());
  const int cols = geo_.cols();
  // Which group the packet closes; anything that fits none is malformed.
  std::int64_t first = 0;
  std::int64_t series = 0;
  if (p->index == kFecRowIndex) {
    if (!geo_.row_fec() || off < 0 || (off + 1) % cols != 0) {
      ++stats_.malformed;
      return false;
    }
    first = off - cols + 1;
  } else {
    const int i = p->index;
    const std::int64_t rel = off - std::int64_t{geo_.rows() - 1} * cols - geo_.column_base(i);
    if (!geo_.column_fec() || i < 0 || i >= cols || off < 0 || off % cols != i || rel < 0 ||
        rel % geo_.period() != 0) {
      ++stats_.malformed;
      return false;
    }
    first = off - std::int64_t{geo_.rows() - 1} * cols;
    series = rel / geo_.period();
  }
  if (off > std::max<std::int64_t>(newest_, 0) + w) {
    ++stats_.malformed;  // far beyond anything received: not from this stream
    return false;
  }
  if (first < lo_) {
    ++stats_.stale;
    return false;
  }
  slide_window(off, sink);
  if (first < lo_) {
    ++stats_.stale;
    return false;
  }
  Group *g =
      p->index == kFecRowIndex ? row_group(geo_.row_of(off)) : column_group(p->index, series);
  if (!g) {
    ++stats_.stale;
    return false;
  }
  if (g->fec) {
    ++stats_.duplicate;
    return false;
  }
  note_offset(off, p->seq);
  g->fec = true;
  g->clip_len = p->payload_clip.size();
  g->parity.add(p->clip, p->payload_clip);
  ++stats_.fec_packets;
  rebuild_from(g, sink);
  decide(lo_, sink);
  return true;
}

// Rebuilds what `g` can, then what that makes possible in the other
// dimension, one group at a time (no recursion: a chain of rebuilds is a
// loop).
void FecReceiver::rebuild_from(Group *g, FecSink &sink) {
  while (g) {
    if (!g->fec || g->done || g->first < lo_) return;
    const auto have = static_cast<int>(g->parity.count());  // the FEC packet counts too
    if (have < g->size) return;
    g->done = true;
    if (have > g->size) return;  // everything arrived: nothing to rebuild
    std::int64_t missing = -1;
    for (int j = 0; j < g->size; ++j) {
      const std::int64_t o = g->first + std::int64_t{j} * g->step;
      if (!has(o)) {
        missing = o;
        break;
      }
    }
    if (missing < 0) return;
    const fec::Clip &c = g->parity.clip();
    if (c.length == 0 || c.length > g->clip_len || c.length > max_payload_ || c.flags > 2) {
      ++stats_.malformed;
      return;
    }
    DataHeader h;
    h.seq = seq_of(missing);
    h.position = PacketPosition::kSolo;
    h.in_order = true;
    h.key = static_cast<KeyFlags>(c.flags);
    h.retransmitted = true;
    h.msgno = 1;
    h.timestamp = c.timestamp;
    const ByteSpan payload = g->parity.payload().first(c.length);
    note_offset(missing, h.seq);
    mark(missing);
    ++stats_.rebuilt;
    sink.on_rebuilt(h, payload);
    Group *next = other_group(*g, missing);
    if (next) next->parity.add(fec::Clip{c.length, c.flags, c.timestamp}, payload);
    g = next;
  }
}

// Judges offsets in order: one whose every group has been passed by a
// later packet is here, or is reported unrecoverable (once). Offsets below
// `force_below` leave the window and are judged now.
void FecReceiver::decide(std::int64_t force_below, FecSink &sink) {
  std::int64_t run_first = -1;
  std::int64_t run_last = -1;
  auto flush = [&] {
    if (run_first < 0) return;
    stats_.unrecoverable += static_cast<std::uint64_t>(run_last - run_first + 1);
    sink.on_unrecoverable(seq_of(run_first), seq_of(run_last));
    run_first = -1;
  };
  const auto w = static_cast<std::int64_t>(cells_.size());
  // With rows and columns, a packet rebuilt later in one dimension can
  // still complete an older group of the other: wait one matrix more.
  const std::int64_t margin = geo_.row_fec() && geo_.column_fec() ? geo_.period() : 0;
  while (decided_ < force_below ||
         (decided_ <= newest_ && geo_.last_of_groups(decided_) + margin < newest_)) {
    if (decided_ >= lo_ + w) {
      // Beyond everything received (only while a jump longer than the
      // window slides it): never arrived, all of it is gone.
      flush();
      run_first = decided_;
      run_last = force_below - 1;
      flush();
      decided_ = force_below;
      continue;
    }
    if (decided_ >= lo_ && !has(decided_)) {
      if (run_first < 0) run_first = decided_;
      run_last = decided_;
    } else {
      flush();
    }
    ++decided_;
  }
  flush();
}

}  // namespace srtcore::srt
