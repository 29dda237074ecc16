// NTPv4 (RFC 5905) server mode, the fields a GstNtpClock reads: version 4,
// a non-zero stratum, the client's transmit time echoed as origin, and our
// receive and transmit times.
#include "loopback_ntp_server.hpp"

#include <algorithm>
#include <cstdint>

namespace fixtures {

namespace {

constexpr std::uint64_t kNtpToUnixSeconds = 2208988800ULL;
constexpr gsize kPacketSize = 48;

void write_ntp_now(guint8 *p) {
  const gint64 us = g_get_real_time();
  const std::uint64_t seconds = static_cast<std::uint64_t>(us / G_USEC_PER_SEC) + kNtpToUnixSeconds;
  const std::uint64_t fraction =
      (static_cast<std::uint64_t>(us % G_USEC_PER_SEC) << 32) / G_USEC_PER_SEC;
  for (int i = 0; i < 4; ++i) p[i] = static_cast<guint8>(seconds >> (24 - 8 * i));
  for (int i = 0; i < 4; ++i) p[4 + i] = static_cast<guint8>(fraction >> (24 - 8 * i));
}

}  // namespace

LoopbackNtpServer::LoopbackNtpServer() {
  socket_ =
      g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, nullptr);
  if (!socket_) return;
  GInetAddress *lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  GSocketAddress *any_port = g_inet_socket_address_new(lo, 0);
  const gboolean bound = g_socket_bind(socket_, any_port, FALSE, nullptr);
  g_object_unref(any_port);
  g_object_unref(lo);
  GSocketAddress *local = bound ? g_socket_get_local_address(socket_, nullptr) : nullptr;
  if (!local) {
    g_clear_object(&socket_);
    return;
  }
  port_ = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local));
  g_object_unref(local);
  cancel_ = g_cancellable_new();
  thread_ = std::thread([this] { serve(); });
}

LoopbackNtpServer::~LoopbackNtpServer() {
  if (cancel_) g_cancellable_cancel(cancel_);
  if (thread_.joinable()) thread_.join();
  g_clear_object(&cancel_);
  g_clear_object(&socket_);
}

void LoopbackNtpServer::serve() {
  guint8 packet[kPacketSize];
  for (;;) {
    GSocketAddress *from = nullptr;
    const gssize n = g_socket_receive_from(socket_, &from, reinterpret_cast<gchar *>(packet),
                                           sizeof packet, cancel_, nullptr);
    if (n < 0) return;  // cancelled
    if (n == static_cast<gssize>(kPacketSize)) {
      guint8 reply[kPacketSize] = {};
      reply[0] = (0 << 6) | (4 << 3) | 4;               // no leap warning, version 4, server
      reply[1] = 1;                                     // stratum 1: a primary reference
      reply[2] = 0;                                     // poll 1 s
      std::copy(packet + 40, packet + 48, reply + 24);  // origin = client's transmit
      write_ntp_now(reply + 32);                        // receive
      write_ntp_now(reply + 40);                        // transmit
      g_socket_send_to(socket_, from, reinterpret_cast<const gchar *>(reply), sizeof reply, nullptr,
                       nullptr);
    }
    g_clear_object(&from);
  }
}

}  // namespace fixtures
