#include "sim/link_stats.hpp"

#include <sstream>

namespace srtcore::sim {

std::string to_string(const LinkStats &s) {
  std::ostringstream out;
  out << "in=" << s.in << " delivered=" << s.delivered << " lost_random=" << s.lost_random
      << " lost_burst=" << s.lost_burst << " dropped_queue=" << s.dropped_queue
      << " dropped_cut=" << s.dropped_cut << " duplicated=" << s.duplicated
      << " reordered=" << s.reordered << " in_bytes=" << s.in_bytes
      << " delivered_bytes=" << s.delivered_bytes;
  return out.str();
}

}  // namespace srtcore::sim
