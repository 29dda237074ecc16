#include "bond_report.hpp"

#include <algorithm>
#include <cstdio>

#include "svg_plot.hpp"

namespace demo {
namespace {

std::string path_label(const PathSpec &p) {
  return p.name + " (" + p.describe() + ")";
}

}  // namespace

void print_bond_report(const SrtLegOptions &options, const SrtLegResult &r) {
  std::size_t uri_width = 4;
  for (const auto &l : r.links) uri_width = std::max(uri_width, l.uri.size());
  const int w = static_cast<int>(uri_width);
  std::printf("%-4s  %-*s  %-8s  %8s  %8s  %8s  %7s  %9s  %s\n", "path", w, "link", "state", "sent",
              "retrans", "lost", "RTT ms", "avg Mb/s", "emulated forward: lost, cut");
  for (std::size_t i = 0; i < options.paths.size() && i < r.links.size(); ++i) {
    const LinkSummary &l = r.links[i];
    const auto &fwd = r.relays.size() > i ? r.relays[i].forward.link : srtcore::sim::LinkStats{};
    const double mbps =
        r.duration > 0 ? static_cast<double>(l.bytes_sent) * 8 / r.duration / 1e6 : 0;
    std::printf(
        "%-4s  %-*s  %-8s  %8lld  %8lld  %8lld  %7.1f  %9.2f  %llu of %llu, %llu\n",
        options.paths[i].name.c_str(), w, l.uri.c_str(), l.found ? l.state.c_str() : "gone",
        static_cast<long long>(l.packets_sent), static_cast<long long>(l.packets_retransmitted),
        static_cast<long long>(l.packets_lost), l.rtt_ms, mbps,
        static_cast<unsigned long long>(fwd.lost_random), static_cast<unsigned long long>(fwd.in),
        static_cast<unsigned long long>(fwd.dropped_cut));
  }
  std::printf(
      "(sent, retrans, lost: SRT data packets on the link's current connection; lost: "
      "reported by the receiver)\n");
  if (r.cut_from >= 0)
    std::printf("cut        path C down at %.2f s, up at %.2f s of the stream\n", r.cut_from,
                r.cut_to);
  for (const auto &c : r.state_changes) {
    std::string name = c.uri;
    for (std::size_t i = 0; i < r.links.size() && i < options.paths.size(); ++i)
      if (r.links[i].uri == c.uri) name = options.paths[i].name;
    std::printf("link state %6.2f s  %s: %s -> %s\n", c.seconds, name.c_str(), c.from.c_str(),
                c.to.c_str());
  }
}

bool write_throughput_plot(const SrtLegOptions &options, const SrtLegResult &r,
                           const std::string &path, std::string *error) {
  static const char *const kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd"};
  svg::LinePlot plot;
  plot.title = "srtbondsink bond-mode=" + options.bond_mode +
               ": throughput per link (stats bytes-sent, every " +
               std::to_string(options.stats_interval.count()) + " ms)";
  plot.x_label = "stream time (s)";
  plot.y_label = "throughput (Mbit/s)";
  // Mbit/s between consecutive samples of one per-path byte counter.
  auto rates = [&](std::size_t link, std::vector<std::uint64_t> LinkSample::*counter) {
    std::vector<std::pair<double, double>> points;
    for (std::size_t k = 1; k < r.samples.size(); ++k) {
      const LinkSample &a = r.samples[k - 1], &b = r.samples[k];
      const auto &before = a.*counter, &after = b.*counter;
      const double dt = b.seconds - a.seconds;
      if (dt < 0.02 || link >= before.size() || link >= after.size()) continue;
      // A reconnected link starts its counters again.
      const std::uint64_t bytes =
          after[link] >= before[link] ? after[link] - before[link] : after[link];
      points.emplace_back(b.seconds, static_cast<double>(bytes) * 8 / dt / 1e6);
    }
    return points;
  };
  for (std::size_t i = 0; i < options.paths.size(); ++i) {
    const char *color = kColors[i % std::size(kColors)];
    plot.series.push_back(
        {path_label(options.paths[i]) + ": sent", color, false, rates(i, &LinkSample::bytes_sent)});
  }
  // What got through each emulated path: the cut (and the loss) show here,
  // as the sender keeps sending on a link it still thinks is up.
  for (std::size_t i = 0; i < options.paths.size(); ++i) {
    const char *color = kColors[i % std::size(kColors)];
    plot.series.push_back({options.paths[i].name + ": delivered by the emulated path", color, true,
                           rates(i, &LinkSample::bytes_delivered)});
  }
  for (std::size_t i = 0; i < options.paths.size(); ++i) {
    if (!options.paths[i].cut_middle_third || r.cut_from < 0) continue;
    plot.bands.push_back({r.cut_from, r.cut_to >= 0 ? r.cut_to : r.duration,
                          "path " + options.paths[i].name + " cut"});
  }
  return svg::write_file(plot, path, error);
}

}  // namespace demo
