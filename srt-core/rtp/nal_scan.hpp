// Splitting H.264/H.265 elementary streams into NAL units: Annex B byte-stream
// (start codes) and length-prefixed (avc / hvc1) framing.
#pragma once

#include <cstddef>
#include <vector>

#include "rtp/bytes.hpp"

namespace srtcore::rtp {

// Calls fn(ByteSpan nal) for every NAL unit in an Annex B buffer, without start
// codes and without trailing zero bytes. Data before the first start code is
// treated as one NAL unit (alignment=nal buffers often omit the start code).
// Returns the number of NAL units found.
template <typename Fn>
std::size_t for_each_annexb_nal(ByteSpan data, Fn &&fn);

// Same for length-prefixed units (length_size 1, 2 or 4). Returns false if a
// length overruns the buffer; units before the bad one have been delivered.
template <typename Fn>
bool for_each_length_prefixed_nal(ByteSpan data, unsigned length_size, Fn &&fn);

// Index of the first byte of the next 00 00 01 start code at or after `from`,
// or data.size() if none. Fast path uses memchr.
std::size_t find_start_code(ByteSpan data, std::size_t from);

}  // namespace srtcore::rtp

#include "rtp/nal_scan_impl.hpp"
