// Command-line parsing shared by bench-srt and bench-srt-libsrt-bond: the
// `peer` arguments become PeerOptions the same way in both executables.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "peer.hpp"

namespace srtbench {

struct Args {
  std::map<std::string, std::string> kv;
  std::string get(const std::string &k, const std::string &def) const {
    auto it = kv.find(k);
    return it == kv.end() ? def : it->second;
  }
  double num(const std::string &k, double def) const {
    auto it = kv.find(k);
    return it == kv.end() ? def : std::atof(it->second.c_str());
  }
};

// "--k=v", "--k v" and "--flag" from argv[first..].
inline Args parse_args(int argc, char **argv, int first) {
  Args a;
  for (int i = first; i < argc; ++i) {
    std::string_view s = argv[i];
    if (!s.starts_with("--")) continue;
    s.remove_prefix(2);
    const auto eq = s.find('=');
    if (eq != std::string_view::npos) {
      a.kv[std::string(s.substr(0, eq))] = std::string(s.substr(eq + 1));
    } else if (i + 1 < argc && std::string_view(argv[i + 1]).substr(0, 2) != "--") {
      a.kv[std::string(s)] = argv[++i];
    } else {
      a.kv[std::string(s)] = "1";
    }
  }
  return a;
}

inline PeerOptions peer_options(const Args &a) {
  PeerOptions o;
  o.impl = a.get("impl", o.impl);
  o.role = a.get("role", o.role);
  o.host = a.get("host", o.host);
  o.port = static_cast<int>(a.num("port", 0));
  o.rate_mbps = a.num("rate", o.rate_mbps);
  o.seconds = a.num("seconds", o.seconds);
  o.latency_ms = static_cast<int>(a.num("latency", o.latency_ms));
  o.payload = static_cast<int>(a.num("payload", o.payload));
  o.maxbw = static_cast<std::int64_t>(a.num("maxbw", static_cast<double>(o.maxbw)));
  o.buffer_packets = static_cast<int>(a.num("buffers", o.buffer_packets));
  o.pbkeylen = static_cast<int>(a.num("pbkeylen", o.pbkeylen));
  o.cryptomode = static_cast<int>(a.num("cryptomode", o.cryptomode));
  o.packet_filter = a.get("filter", o.packet_filter);
  o.bond = a.get("bond", o.bond);
  o.links = parse_links(a.get("links", ""));
  o.callers = static_cast<int>(a.num("callers", o.callers));
  const std::string ports = a.get("ports", "");
  for (std::size_t pos = 0; pos < ports.size();) {
    std::size_t end = ports.find(',', pos);
    if (end == std::string::npos) end = ports.size();
    o.ports.push_back(std::atoi(ports.c_str() + pos));
    pos = end + 1;
  }
  return o;
}

}  // namespace srtbench
