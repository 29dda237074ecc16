// Where a packet sits in the FEC matrix of SRT's packet filter (libsrt's
// "fec"), in offsets from the connection's initial sequence number (the
// first data packet is offset 0; both sides count from there).
//  - Row r holds offsets r*cols .. r*cols + cols - 1.
//  - Column i of series s holds column_first(i, s) + j*cols, j < rows; a
//    series is a whole matrix (cols*rows packets) later than the previous.
//    Even layout: column i starts at offset i. Staircase: column q*rows + p
//    (p < rows) starts at q*rows + p*(cols + 1), so the column FEC packets
//    of a matrix are spread over it instead of all following its last row
//    (and the first few packets of a connection are in no column).
// Each group's FEC packet carries the sequence number of the group's last
// packet.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>

#include "srt/filter_config.hpp"

namespace srtcore::srt {

class FecGeometry {
 public:
  explicit FecGeometry(const FecParams &p)
      : cols_(p.cols),
        rows_(p.column_size()),
        row_fec_(p.row_fec()),
        col_fec_(p.column_fec()),
        staircase_(p.staircase) {}

  int cols() const { return cols_; }
  int rows() const { return rows_; }  // packets in a column
  bool row_fec() const { return row_fec_; }
  bool column_fec() const { return col_fec_; }
  // Offsets after which the column pattern repeats.
  std::int64_t period() const { return col_fec_ ? std::int64_t{cols_} * rows_ : cols_; }

  std::int64_t row_of(std::int64_t off) const { return off / cols_; }
  std::int64_t row_first(std::int64_t row) const { return row * cols_; }
  std::int64_t row_last(std::int64_t row) const { return row * cols_ + cols_ - 1; }

  std::int64_t column_base(int i) const {
    if (!staircase_) return i;
    const int q = i / rows_;
    const int p = i % rows_;
    return std::int64_t{q} * rows_ + std::int64_t{p} * (cols_ + 1);
  }
  std::int64_t column_first(int i, std::int64_t series) const {
    return column_base(i) + series * period();
  }
  std::int64_t column_last(int i, std::int64_t series) const {
    return column_first(i, series) + std::int64_t{rows_ - 1} * cols_;
  }

  struct ColumnSlot {
    int index = 0;
    std::int64_t series = 0;
    int pos = 0;  // 0 .. rows-1
  };
  // The column group holding `off`; none before a staircase column starts.
  std::optional<ColumnSlot> column_of(std::int64_t off) const {
    if (!col_fec_ || off < 0) return std::nullopt;
    const int i = static_cast<int>(off % cols_);
    const std::int64_t rel = off - column_base(i);
    if (rel < 0) return std::nullopt;
    return ColumnSlot{i, rel / period(), static_cast<int>((rel % period()) / cols_)};
  }

  // The last offset of every group that holds `off`: once a later packet
  // arrived, every FEC packet that could rebuild `off` had its chance.
  std::int64_t last_of_groups(std::int64_t off) const {
    std::int64_t last = off;
    if (row_fec_) last = std::max(last, row_last(row_of(off)));
    if (const auto c = column_of(off)) last = std::max(last, column_last(c->index, c->series));
    return last;
  }

 private:
  int cols_;
  int rows_;
  bool row_fec_;
  bool col_fec_;
  bool staircase_;
};

}  // namespace srtcore::srt
