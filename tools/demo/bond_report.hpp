// The bonded leg's report: per-link table, link state changes, and the
// per-link throughput plot (SVG).
#pragma once

#include <string>

#include "srt_leg.hpp"

namespace demo {

// Per-link table (path, uri, state at the end, packets sent, retransmitted,
// lost as reported by the peer, RTT, what the emulator did) and the link
// state changes, on stdout.
void print_bond_report(const SrtLegOptions &options, const SrtLegResult &result);

// Per-link throughput (Mbit/s from bytes-sent between samples) over stream
// time, the cut interval shaded; false and *error if the file cannot be written.
bool write_throughput_plot(const SrtLegOptions &options, const SrtLegResult &result,
                           const std::string &path, std::string *error);

}  // namespace demo
