// Shared helpers for the link-model tests: numbered payloads and a driver
// that feeds a LinkModel at a fixed spacing on a virtual clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "sim/link_model.hpp"

namespace srtcore::sim::test {

using namespace std::chrono_literals;

inline constexpr TimePoint kT0{};

// `size` bytes (at least 4) carrying `id` big-endian, then a pattern derived from it.
inline std::vector<std::uint8_t> payload(std::uint32_t id, std::size_t size = 100) {
  std::vector<std::uint8_t> bytes(std::max<std::size_t>(size, 4));
  bytes[0] = static_cast<std::uint8_t>(id >> 24);
  bytes[1] = static_cast<std::uint8_t>(id >> 16);
  bytes[2] = static_cast<std::uint8_t>(id >> 8);
  bytes[3] = static_cast<std::uint8_t>(id);
  for (std::size_t i = 4; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(id * 31 + i);
  return bytes;
}

inline std::uint32_t payload_id(const std::vector<std::uint8_t> &bytes) {
  return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
         (std::uint32_t{bytes[2]} << 8) | bytes[3];
}

struct Delivery {
  TimePoint sent;
  TimePoint due;
  std::uint32_t id;
  std::vector<std::uint8_t> bytes;
  bool operator==(const Delivery &) const = default;
};

struct Trace {
  std::vector<Fate> fates;          // per id
  std::vector<Delivery> delivered;  // in delivery order
};

// Sends `count` datagrams `spacing` apart starting at kT0, polling as the
// clock advances, then drains the link. `size_of(id)` picks each size.
template <class SizeOf>
Trace drive(LinkModel &link, std::uint32_t count, Duration spacing, SizeOf size_of) {
  Trace run;
  std::vector<TimePoint> sent_at;
  const auto collect = [&](TimePoint now) {
    while (auto d = link.poll(now)) {
      const auto id = payload_id(d->bytes);
      run.delivered.push_back({sent_at[id], d->due, id, std::move(d->bytes)});
    }
  };
  for (std::uint32_t id = 0; id < count; ++id) {
    const TimePoint now = kT0 + spacing * id;
    collect(now);
    sent_at.push_back(now);
    run.fates.push_back(link.send(now, payload(id, size_of(id))));
  }
  while (auto deadline = link.next_deadline()) collect(*deadline);
  return run;
}

inline Trace drive(LinkModel &link, std::uint32_t count, Duration spacing) {
  return drive(link, count, spacing, [](std::uint32_t) { return std::size_t{100}; });
}

}  // namespace srtcore::sim::test
