#include "rtp/h264_packetizer.hpp"

#include "rtp/nal_packetizer_impl.hpp"

template class srtcore::rtp::nal::Packetizer<srtcore::rtp::h264::Traits>;
