// G.729 encode/decode with libbcg729 (Belledonne Communications), for the
// interop tests: the encoder makes the stream (with VAD/DTX: Annex B SID
// frames and untransmitted frames), the decoder is the reference decode of
// SID streams, which avdec_g729 cannot decode.
#pragma once

#include <cstdint>
#include <vector>

namespace g729codec {

using Bytes = std::vector<std::uint8_t>;

// Built with libbcg729?
bool available();

// Speech-like bursts separated by quiet background noise, 8 kHz mono,
// `frames` x 80 samples.
std::vector<std::int16_t> test_signal(int frames);

// One entry per 10 ms frame: 10 bytes (speech), 2 bytes (SID, VAD only) or
// empty (not transmitted, VAD only).
std::vector<Bytes> encode(const std::vector<std::int16_t> &pcm, bool vad);

// Decodes one entry per 10 ms slot (10 or 2 bytes; empty = nothing received,
// which the decoder fills with comfort noise or concealment).
std::vector<std::int16_t> decode(const std::vector<Bytes> &slots);

}  // namespace g729codec
