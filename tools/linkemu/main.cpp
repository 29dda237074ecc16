// srt-linkemu: UDP relay with an emulated lossy link (see --help).
#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "cli_options.hpp"
#include "udp_relay.hpp"
#include "io/unique_fd.hpp"

namespace {

using srtcore::linkemu::UdpRelay;

void print_stats(const UdpRelay &relay) {
  const auto stats = relay.stats();
  std::printf("%s\n%s\n", format_direction("forward", stats.forward).c_str(),
              format_direction("backward", stats.backward).c_str());
  std::fflush(stdout);
}

// Handles one stdin command; false on "quit".
bool command(UdpRelay &relay, std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  if (line == "cut") {
    relay.cut();
    std::printf("cut\n");
  } else if (line == "restore") {
    relay.restore();
    std::printf("restored\n");
  } else if (line == "stats") {
    print_stats(relay);
  } else if (line == "quit") {
    return false;
  } else if (!line.empty()) {
    std::fprintf(stderr, "srt-linkemu: unknown command '%.*s' (cut, restore, stats, quit)\n",
                 static_cast<int>(line.size()), line.data());
  }
  std::fflush(stdout);
  return true;
}

int serve(const srtcore::linkemu::CliOptions &options) {
  // Signals arrive on a descriptor, so the wait below needs no handler and no races.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before the relay thread inherits the mask
  const srtcore::io::UniqueFd signal_fd(signalfd(-1, &signals, SFD_CLOEXEC));
  if (!signal_fd) {
    std::perror("srt-linkemu: signalfd");
    return 1;
  }

  UdpRelay relay(options.relay);
  relay.start();
  std::printf("ready listen=%s target=%s\n", to_string(relay.listen_address()).c_str(),
              options.relay.target.c_str());
  std::fflush(stdout);

  std::array<pollfd, 2> fds{{{signal_fd.get(), POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}}};
  const int timeout_ms =
      options.stats_interval.count() > 0 ? static_cast<int>(options.stats_interval.count()) : -1;
  std::string pending;
  bool running = true;
  while (running) {
    // Without stdin (closed or at EOF) only signals end the relay.
    const nfds_t count = fds[1].fd >= 0 ? 2 : 1;
    const int ready = poll(fds.data(), count, timeout_ms);
    if (ready == 0) {
      print_stats(relay);
      continue;
    }
    if (ready < 0) continue;  // EINTR
    if (fds[0].revents & POLLIN) break;
    if (count == 2 && fds[1].revents != 0) {
      char buffer[512];
      const ssize_t n = read(STDIN_FILENO, buffer, sizeof buffer);
      if (n <= 0) {
        fds[1].fd = -1;
        continue;
      }
      pending.append(buffer, static_cast<std::size_t>(n));
      for (auto eol = pending.find('\n'); running && eol != std::string::npos;
           eol = pending.find('\n')) {
        running = command(relay, std::string_view(pending).substr(0, eol));
        pending.erase(0, eol + 1);
      }
    }
  }
  relay.stop();
  print_stats(relay);
  return 0;
}

}  // namespace

int main(int argc, char **argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  try {
    const auto options = srtcore::linkemu::parse_cli(args);
    if (options.help) {
      std::fputs(srtcore::linkemu::usage().c_str(), stdout);
      return 0;
    }
    return serve(options);
  } catch (const std::invalid_argument &e) {
    std::fprintf(stderr, "srt-linkemu: %s\n%s", e.what(), srtcore::linkemu::usage().c_str());
    return 2;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "srt-linkemu: %s\n", e.what());
    return 1;
  }
}
