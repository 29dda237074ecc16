// Runs a test in a network namespace of its own, so that what it sends (PTP
// multicast on ports 319/320) reaches nothing outside the test: the test
// binary starts itself again for that one test, unshared from the
// machine's network before exec (and so before gst_init and any helper
// process it spawns), with only a loopback interface that the child brings
// up.
#pragma once

#include <string>

namespace fixtures {

// True in the child started by run_current_test_in_new_netns(), once it
// has checked that its network namespace is not its parent's.
bool in_test_netns();

// Parent side: runs the current gtest test in a child process in a new
// network namespace (needs CAP_SYS_ADMIN). Returns "" when the child passed,
// else what went wrong; the child's own output goes to ours.
std::string run_current_test_in_new_netns();

// Child side: brings `lo` up with MULTICAST and routes 224.0.0.0/4 to it,
// the only interface the namespace has. Returns "" or the error.
std::string enable_loopback_multicast();

}  // namespace fixtures
