// Host names and numeric addresses to srt::NetAddress (getaddrinfo).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "srt/address.hpp"

namespace srtcore::io {

struct ResolveOptions {
  // Empty host means the wildcard address: IPv4 0.0.0.0 unless kV6 is
  // preferred (then ::).
  bool passive = false;
  // When a name has both families, take this one if present. IPv4 by
  // default: srt-live-transmit and srtsrc listeners bind 0.0.0.0, while
  // "localhost" often resolves to ::1 first.
  srt::NetAddress::Family prefer = srt::NetAddress::Family::kV4;
};

// "[::1]" brackets are accepted. nullopt with *error (a sentence naming the
// host) when nothing resolves.
std::optional<srt::NetAddress> resolve_address(const std::string &host, std::uint16_t port,
                                               const ResolveOptions &options, std::string *error);

}  // namespace srtcore::io
