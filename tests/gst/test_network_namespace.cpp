// unshare(CLONE_NEWNET) in the forked child before exec; the child reruns
// this binary with --gtest_filter naming the one test.
#include "test_network_namespace.hpp"

#include <arpa/inet.h>
#include <glib.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace fixtures {

namespace {

// Set in the child's environment: the parent's network namespace (inode).
constexpr const char *kParentNetnsVar = "SRTRTP_TEST_PARENT_NETNS";

std::string netns_id() {
  struct stat st {};
  if (stat("/proc/self/ns/net", &st) != 0) return "";
  return std::to_string(static_cast<unsigned long long>(st.st_ino));
}

std::string errno_text(const char *what) {
  return std::string(what) + ": " + std::strerror(errno);
}

// Between fork and exec: only async-signal-safe calls. On failure the child
// exits 125 before running anything.
void unshare_net(gpointer) {
  if (unshare(CLONE_NEWNET) != 0) _exit(125);
}

}  // namespace

bool in_test_netns() {
  const char *parent = std::getenv(kParentNetnsVar);
  if (!parent || !*parent) return false;
  const std::string own = netns_id();
  return !own.empty() && own != parent;
}

std::string run_current_test_in_new_netns() {
  const ::testing::TestInfo *info = ::testing::UnitTest::GetInstance()->current_test_info();
  if (!info) return "no current test";
  const std::string parent = netns_id();
  if (parent.empty()) return "cannot read /proc/self/ns/net";
  const std::string filter =
      std::string("--gtest_filter=") + info->test_suite_name() + "." + info->name();
  gchar *argv[] = {const_cast<gchar *>("/proc/self/exe"), const_cast<gchar *>(filter.c_str()),
                   nullptr};
  gchar **envp = g_get_environ();
  envp = g_environ_setenv(envp, kParentNetnsVar, parent.c_str(), TRUE);
  envp = g_environ_unsetenv(envp, "GTEST_OUTPUT");  // the parent writes the report
  gint status = 0;
  GError *error = nullptr;
  const gboolean spawned = g_spawn_sync(nullptr, argv, envp, G_SPAWN_DEFAULT, unshare_net, nullptr,
                                        nullptr, nullptr, &status, &error);
  g_strfreev(envp);
  if (!spawned) {
    std::string out = std::string("cannot start the child: ") + error->message;
    g_error_free(error);
    return out;
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  if (WIFEXITED(status) && WEXITSTATUS(status) == 125)
    return "unshare(CLONE_NEWNET) failed in the child: the test needs root (CAP_SYS_ADMIN)";
  if (WIFEXITED(status))
    return "the child failed (exit " + std::to_string(WEXITSTATUS(status)) +
           "), its output is above";
  return "the child died (status " + std::to_string(status) + "), its output is above";
}

std::string enable_loopback_multicast() {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno_text("socket");
  std::string error;
  struct ifreq ifr {};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) != 0) {
    error = errno_text("SIOCGIFFLAGS lo");
  } else {
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_MULTICAST);
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) != 0) error = errno_text("SIOCSIFFLAGS lo");
  }
  if (error.empty()) {
    struct rtentry route {};
    auto *dst = reinterpret_cast<sockaddr_in *>(&route.rt_dst);
    auto *mask = reinterpret_cast<sockaddr_in *>(&route.rt_genmask);
    dst->sin_family = mask->sin_family = AF_INET;
    dst->sin_addr.s_addr = htonl(0xe0000000);  // 224.0.0.0/4
    mask->sin_addr.s_addr = htonl(0xf0000000);
    route.rt_flags = RTF_UP;
    char dev[] = "lo";
    route.rt_dev = dev;
    if (ioctl(fd, SIOCADDRT, &route) != 0 && errno != EEXIST)
      error = errno_text("SIOCADDRT 224.0.0.0/4 dev lo");
  }
  close(fd);
  return error;
}

}  // namespace fixtures
