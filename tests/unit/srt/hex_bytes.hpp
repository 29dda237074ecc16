// Bytes from a hex string, for test vectors written as the RFCs print them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace srtcore::srt {

inline std::vector<std::uint8_t> hex(const std::string &s) {
  std::vector<std::uint8_t> v;
  for (std::size_t i = 0; i + 1 < s.size(); i += 2) {
    v.push_back(static_cast<std::uint8_t>(std::stoi(s.substr(i, 2), nullptr, 16)));
  }
  return v;
}

}  // namespace srtcore::srt
