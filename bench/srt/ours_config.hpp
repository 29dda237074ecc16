// Our endpoint configured like the libsrt peers (libsrt_options.hpp).
#pragma once

#include "io/endpoint.hpp"
#include "peer.hpp"

namespace srtbench {

srtcore::io::EndpointConfig ours_endpoint_config(const PeerOptions &o, srtcore::io::Mode mode);

}  // namespace srtbench
