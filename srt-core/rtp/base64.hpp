// Base64 (RFC 4648) for SDP fmtp parameters such as sprop-parameter-sets.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rtp/bytes.hpp"

namespace srtcore::rtp {

std::string base64_encode(ByteSpan data);
// Accepts padded and unpadded input; nullopt on any invalid character.
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text);

}  // namespace srtcore::rtp
