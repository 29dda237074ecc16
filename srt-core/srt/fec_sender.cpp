#include "srt/fec_sender.hpp"

#include <algorithm>
#include <cstring>

#include "srt/seq.hpp"

namespace srtcore::srt {

FecSender::FecSender(const FecParams &params, std::uint32_t isn, std::size_t clip_size)
    : geo_(params),
      clip_size_(std::min(clip_size, kMaxFecClip)),
      last_seq_(seq_prev(isn)),
      memory_(clip_size_ * (1 + static_cast<std::size_t>(params.cols))),
      ready_mem_(kReady * (kHeaderSize + kFecHeaderSize + clip_size_)) {
  const std::span<std::uint8_t> mem(memory_);
  row_ = fec::ParityGroup(mem.first(clip_size_));
  if (geo_.column_fec()) {
    for (int i = 0; i < geo_.cols(); ++i) {
      cols_.emplace_back(mem.subspan((1 + static_cast<std::size_t>(i)) * clip_size_, clip_size_));
    }
    col_series_.assign(cols_.size(), 0);
  }
}

void FecSender::feed(const DataHeader &h, ByteSpan payload) {
  const std::int64_t off = last_off_ + seq_diff(h.seq, last_seq_);
  if (off <= last_off_) return;  // not new: a retransmission has no place here
  last_off_ = off;
  last_seq_ = h.seq;
  const fec::Clip clip{static_cast<std::uint16_t>(payload.size()), static_cast<std::uint8_t>(h.key),
                       h.timestamp};
  const int cols = geo_.cols();
  if (geo_.row_fec()) {
    const std::int64_t row = geo_.row_of(off);
    if (row != row_index_) {
      row_.reset();  // a packet skipped (never seen here): that row is lost for FEC
      row_index_ = row;
    }
    row_.add(clip, payload);
    if (off == geo_.row_last(row)) {
      if (row_.count() == static_cast<std::size_t>(cols)) emit(row_, kFecRowIndex, h.seq, h.key);
      row_.reset();
      row_index_ = row + 1;
    }
  }
  if (const auto c = geo_.column_of(off)) {
    fec::ParityGroup &g = cols_[static_cast<std::size_t>(c->index)];
    std::int64_t &series = col_series_[static_cast<std::size_t>(c->index)];
    if (series != c->series) {
      g.reset();
      series = c->series;
    }
    g.add(clip, payload);
    if (c->pos == geo_.rows() - 1) {
      if (g.count() == static_cast<std::size_t>(geo_.rows())) {
        emit(g, static_cast<std::int8_t>(c->index), h.seq, h.key);
      }
      g.reset();
      series = c->series + 1;
    }
  }
}

void FecSender::emit(const fec::ParityGroup &g, std::int8_t index, std::uint32_t seq,
                     KeyFlags key) {
  if (ready_count_ == kReady) {
    // The oldest has waited a whole row of packets: it goes.
    ready_head_ = (ready_head_ + 1) % kReady;
    --ready_count_;
    ++overrun_;
  }
  const std::size_t slot = (ready_head_ + ready_count_) % kReady;
  const std::size_t stride = packet_size();
  FecPacket p;
  p.seq = seq;
  p.index = index;
  p.clip = g.clip();
  p.payload_clip = g.payload().first(clip_size_);
  ready_[slot].size =
      write_fec_packet(p, key, 0, std::span(ready_mem_).subspan(slot * stride, stride));
  ++ready_count_;
}

std::size_t FecSender::pop(std::uint32_t dest_socket, MutableByteSpan out) {
  if (ready_count_ == 0) return 0;
  const Ready &r = ready_[ready_head_];
  if (out.size() < r.size) return 0;
  std::memcpy(out.data(), ready_mem_.data() + ready_head_ * packet_size(), r.size);
  put_u32(out.data() + 12, dest_socket);
  ready_head_ = (ready_head_ + 1) % kReady;
  --ready_count_;
  ++sent_;
  return r.size;
}

}  // namespace srtcore::srt
