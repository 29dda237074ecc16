// The loss patterns every FEC recovery table runs (random and burst, from
// the link model's Gilbert-Elliott channel), one list so that the schemes'
// tables compare on the same losses.
#pragma once

#include "sim/gilbert_elliott.hpp"

namespace fec_test {

struct Loss {
  const char *name;
  srtcore::sim::GilbertElliott ge;
};

inline constexpr Loss kLosses[] = {
    {"random 1%", {0.0, 1.0, 0.01, 1.0}},        {"random 5%", {0.0, 1.0, 0.05, 1.0}},
    {"random 15%", {0.0, 1.0, 0.15, 1.0}},       {"burst 1%/len 3", {0.0033, 0.33, 0.0, 1.0}},
    {"burst 2%/len 10", {0.002, 0.1, 0.0, 1.0}},
};

}  // namespace fec_test
