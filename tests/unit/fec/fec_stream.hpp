// A FEC-protected packet stream for tests: FecSender's output interleaved
// as the connection sends it (each ready FEC packet right after the data
// packet that completed its group), and a receiver side that records what
// FecReceiver rebuilt and reported.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include "sim/rng.hpp"
#include "srt/fec_receiver.hpp"
#include "srt/fec_sender.hpp"
#include "srt/seq.hpp"

namespace srtcore::srt::fec_test {

struct Datagram {
  bool fec = false;
  std::int64_t off = 0;  // data: its offset; FEC: the offset of its sequence
  std::vector<std::uint8_t> bytes;
};

inline std::vector<Datagram> send_stream(const FecParams &p, std::uint32_t isn, int n,
                                         std::size_t payload_size, std::uint64_t seed) {
  sim::Xoshiro256 rng(seed);
  FecSender s(p, isn, payload_size);
  std::vector<Datagram> out;
  for (int i = 0; i < n; ++i) {
    DataHeader h;
    h.seq = seq_add(isn, i);
    h.msgno = static_cast<std::uint32_t>(1 + i);
    h.timestamp = static_cast<std::uint32_t>(1000 + 37 * i);
    const std::size_t len = 1 + rng.next() % payload_size;
    Datagram d;
    d.off = i;
    d.bytes.resize(kHeaderSize + len);
    (void)write_data_header(h, d.bytes);
    for (std::size_t k = 0; k < len; ++k)
      d.bytes[kHeaderSize + k] = static_cast<std::uint8_t>(rng.next());
    s.feed(h, std::span<const std::uint8_t>(d.bytes).subspan(kHeaderSize));
    out.push_back(std::move(d));
    while (s.has_ready()) {
      Datagram f;
      f.fec = true;
      f.off = i;
      f.bytes.resize(s.packet_size());
      f.bytes.resize(s.pop(1, f.bytes));
      out.push_back(std::move(f));
    }
  }
  return out;
}

struct Recorder : FecSink {
  std::map<std::int64_t, std::vector<std::uint8_t>> rebuilt;  // offset -> whole datagram
  std::set<std::int64_t> unrecoverable;
  std::uint32_t isn = 0;
  void on_rebuilt(const DataHeader &h, ByteSpan payload) override {
    std::vector<std::uint8_t> d(kHeaderSize + payload.size());
    DataHeader c = h;
    c.msgno = 0;  // compared with the original below without its own number
    (void)write_data_header(c, d);
    std::copy(payload.begin(), payload.end(), d.begin() + kHeaderSize);
    rebuilt[seq_diff(h.seq, isn)] = std::move(d);
    last_header = h;
  }
  void on_unrecoverable(std::uint32_t first, std::uint32_t last) override {
    for (std::uint32_t s = first;; s = seq_next(s)) {
      unrecoverable.insert(seq_diff(s, isn));
      if (s == last) break;
    }
  }
  DataHeader last_header;
};

inline void receive(FecReceiver &r, Recorder &rec, const Datagram &d) {
  const auto v = parse_data_packet(d.bytes);
  if (!v) return;
  if (is_fec_packet(v->header)) {
    r.on_fec(v->header, v->payload, rec);
  } else {
    r.on_data(v->header, v->payload, rec);
  }
}

}  // namespace srtcore::srt::fec_test
