// Command line of srt-linkemu, parsed into a RelayConfig.
#pragma once

#include <chrono>
#include <span>
#include <string>
#include <string_view>

#include "udp_relay.hpp"

namespace srtcore::linkemu {

struct CliOptions {
  RelayConfig relay;
  std::uint64_t seed = 1;
  std::chrono::milliseconds stats_interval{0};  // 0: stats only on command and at exit
  bool help = false;
};

// `args` excludes the program name. Throws std::invalid_argument naming the
// offending option.
CliOptions parse_cli(std::span<const std::string_view> args);

std::string usage();

}  // namespace srtcore::linkemu
