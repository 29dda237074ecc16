#include "cli_options.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <vector>

#include "sim/rng.hpp"

namespace srtcore::linkemu {

namespace {

using namespace std::chrono;

[[noreturn]] void fail(std::string_view option, std::string_view why) {
  throw std::invalid_argument(std::string(option) + ": " + std::string(why));
}

double to_number(std::string_view option, std::string_view text) {
  const std::string copy(text);
  char *end = nullptr;
  errno = 0;
  const double value = std::strtod(copy.c_str(), &end);
  if (copy.empty() || end != copy.c_str() + copy.size() || errno != 0 || !std::isfinite(value)) {
    fail(option, "not a number: '" + copy + "'");
  }
  return value;
}

double non_negative(std::string_view option, std::string_view text) {
  const double value = to_number(option, text);
  if (value < 0) fail(option, "must not be negative");
  return value;
}

std::uint64_t to_unsigned(std::string_view option, std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) {
    fail(option, "not an unsigned integer: '" + std::string(text) + "'");
  }
  return value;
}

// Percent on the command line, probability in the model.
double percent(std::string_view option, std::string_view text) {
  const double value = non_negative(option, text);
  if (value > 100) fail(option, "a percentage must be at most 100");
  return value / 100.0;
}

sim::Duration millis(std::string_view option, std::string_view text) {
  return duration_cast<sim::Duration>(duration<double, std::milli>(non_negative(option, text)));
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (;;) {
    const auto at = text.find(separator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

sim::GilbertElliott burst(std::string_view option, std::string_view text) {
  const auto parts = split(text, ',');
  if (parts.size() != 2 && parts.size() != 4) fail(option, "want p,r[,loss_good,loss_bad]");
  sim::GilbertElliott ge;
  ge.p = percent(option, parts[0]);
  ge.r = percent(option, parts[1]);
  if (parts.size() == 4) {
    ge.loss_good = percent(option, parts[2]);
    ge.loss_bad = percent(option, parts[3]);
  }
  if (ge.r <= 0) fail(option, "r must be above 0 or the link never leaves the bad state");
  return ge;
}

sim::CutInterval cut(std::string_view option, std::string_view text) {
  const auto parts = split(text, ':');
  if (parts.size() != 2) fail(option, "want start_ms:end_ms");
  const sim::CutInterval interval{millis(option, parts[0]), millis(option, parts[1])};
  if (interval.end <= interval.start) fail(option, "end must be after start");
  return interval;
}

enum class Direction { both, forward, backward };

}  // namespace

CliOptions parse_cli(std::span<const std::string_view> args) {
  CliOptions options;
  sim::LinkConfig link;
  Direction direction = Direction::both;

  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view name = args[i];
    std::string_view value;
    bool has_value = false;
    if (const auto eq = name.find('='); name.starts_with("--") && eq != std::string_view::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    const auto next = [&]() -> std::string_view {
      if (has_value) return value;
      if (i + 1 >= args.size()) fail(name, "needs a value");
      return args[++i];
    };

    if (name == "-h" || name == "--help") {
      options.help = true;
    } else if (name == "--listen") {
      options.relay.listen = std::string(next());
    } else if (name == "--target") {
      options.relay.target = std::string(next());
    } else if (name == "--loss") {
      link.loss = percent(name, next());
    } else if (name == "--burst") {
      link.burst = burst(name, next());
    } else if (name == "--delay-ms") {
      link.delay = millis(name, next());
    } else if (name == "--jitter-ms") {
      link.jitter = millis(name, next());
    } else if (name == "--jitter-dist") {
      const auto shape = next();
      if (shape == "uniform") {
        link.jitter_shape = sim::JitterShape::uniform;
      } else if (shape == "normal") {
        link.jitter_shape = sim::JitterShape::normal;
      } else {
        fail(name, "want uniform or normal");
      }
    } else if (name == "--jitter-reorders") {
      link.jitter_reorders = true;
    } else if (name == "--reorder") {
      link.reorder = percent(name, next());
    } else if (name == "--reorder-delay-ms") {
      link.reorder_delay = millis(name, next());
    } else if (name == "--dup") {
      link.duplicate = percent(name, next());
    } else if (name == "--rate-kbps") {
      link.rate_bps = static_cast<std::uint64_t>(std::llround(non_negative(name, next()) * 1000));
    } else if (name == "--queue-kb") {
      link.queue_bytes = static_cast<std::size_t>(std::llround(non_negative(name, next()) * 1024));
    } else if (name == "--cut") {
      link.cuts.push_back(cut(name, next()));
    } else if (name == "--seed") {
      options.seed = to_unsigned(name, next());
    } else if (name == "--stats-interval-ms") {
      options.stats_interval = milliseconds(std::llround(non_negative(name, next())));
    } else if (name == "--direction") {
      const auto which = next();
      if (which == "both") {
        direction = Direction::both;
      } else if (which == "forward") {
        direction = Direction::forward;
      } else if (which == "backward") {
        direction = Direction::backward;
      } else {
        fail(name, "want both, forward or backward");
      }
    } else {
      fail(name, "unknown option (see --help)");
    }
  }
  if (options.help) return options;
  if (options.relay.target.empty()) fail("--target", "is required");

  // The unimpaired direction still shares the cut schedule: a cut link is cut both ways.
  sim::LinkConfig clean;
  clean.cuts = link.cuts;
  options.relay.forward = direction == Direction::backward ? clean : link;
  options.relay.backward = direction == Direction::forward ? clean : link;
  options.relay.forward.seed = sim::derive_seed(options.seed, 0);
  options.relay.backward.seed = sim::derive_seed(options.seed, 1);
  return options;
}

std::string usage() {
  return R"(usage: srt-linkemu --target ADDR:PORT [options]
UDP relay with an emulated lossy link: datagrams from clients at --listen go to
--target; replies go back to the last client. Both directions are impaired.

  --listen ADDR:PORT       local address (default 127.0.0.1:0, port printed at start)
  --target ADDR:PORT       where to forward (IPv4 a.b.c.d:port or IPv6 [addr]:port)
  --loss PCT               independent random loss
  --burst P,R[,LG,LB]      Gilbert-Elliott loss, percent: good->bad P, bad->good R,
                           loss in good state LG (default 0), in bad state LB (default 100)
  --delay-ms MS            fixed one-way delay
  --jitter-ms MS           jitter added to the delay (uniform +-MS, or normal sigma MS)
  --jitter-dist uniform|normal
  --jitter-reorders        let jitter reorder datagrams (default: keep order)
  --reorder PCT            hold this share of datagrams back so later ones overtake
  --reorder-delay-ms MS    how long a held datagram waits (default 5)
  --dup PCT                duplicate this share of datagrams
  --rate-kbps KBPS         bottleneck rate in kbit/s (default unlimited)
  --queue-kb KB            bottleneck queue in KiB, tail drop (default 1024)
  --cut START_MS:END_MS    link down in [start, end) after start-up (repeatable)
  --direction both|forward|backward   which direction gets the impairments (cuts: both)
  --seed N                 base seed; each direction derives its own (default 1)
  --stats-interval-ms MS   print stats periodically
stdin commands: cut, restore, stats, quit. SIGINT/SIGTERM: print stats and exit.
)";
}

}  // namespace srtcore::linkemu
