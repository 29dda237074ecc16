#include "io/resolve.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <memory>

#include "io/socket_address.hpp"

namespace srtcore::io {
namespace {

struct AddrInfoFree {
  void operator()(addrinfo *p) const { ::freeaddrinfo(p); }
};

std::string strip_brackets(const std::string &host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    return host.substr(1, host.size() - 2);
  return host;
}

}  // namespace

std::optional<srt::NetAddress> resolve_address(const std::string &host, std::uint16_t port,
                                               const ResolveOptions &options, std::string *error) {
  const std::string name = strip_brackets(host);
  if (name.empty()) {
    if (!options.passive) {
      if (error) *error = "no host given";
      return std::nullopt;
    }
    srt::NetAddress any;
    any.family = options.prefer;
    any.port = port;
    return any;
  }

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_protocol = IPPROTO_UDP;
  hints.ai_flags = AI_NUMERICSERV | (options.passive ? AI_PASSIVE : 0);
  addrinfo *raw = nullptr;
  const std::string service = std::to_string(port);
  const int rc = ::getaddrinfo(name.c_str(), service.c_str(), &hints, &raw);
  std::unique_ptr<addrinfo, AddrInfoFree> list(raw);
  if (rc != 0) {
    if (error) *error = "cannot resolve host '" + host + "': " + ::gai_strerror(rc);
    return std::nullopt;
  }
  std::optional<srt::NetAddress> first;
  for (const addrinfo *ai = list.get(); ai != nullptr; ai = ai->ai_next) {
    auto a = from_sockaddr(ai->ai_addr, ai->ai_addrlen);
    if (!a) continue;
    if (a->family == options.prefer) return a;
    if (!first) first = a;
  }
  if (!first && error) *error = "host '" + host + "' has no IPv4 or IPv6 address";
  return first;
}

}  // namespace srtcore::io
