#include "g729_codec.hpp"

#include <cmath>
#include <memory>

#if HAVE_BCG729
extern "C" {
#include <bcg729/decoder.h>
#include <bcg729/encoder.h>
}
#endif

namespace g729codec {

constexpr int kSamplesPerFrame = 80;

std::vector<std::int16_t> test_signal(int frames) {
  // Talk and silence spans in frames, repeated: talkspurts of varied length.
  static const int kSpans[] = {60, 50, 30, 80, 70, 20, 40, 50};
  std::vector<std::int16_t> pcm(static_cast<std::size_t>(frames) * kSamplesPerFrame);
  std::uint32_t lcg = 12345;
  int span = 0, left = kSpans[0];
  for (int f = 0; f < frames; ++f, --left) {
    if (left == 0) {
      span = (span + 1) % static_cast<int>(std::size(kSpans));
      left = kSpans[span];
    }
    const bool talk = span % 2 == 0;
    for (int i = 0; i < kSamplesPerFrame; ++i) {
      const double t = (f * kSamplesPerFrame + i) / 8000.0;
      lcg = lcg * 1664525u + 1013904223u;
      const double noise = static_cast<double>(static_cast<std::int32_t>(lcg >> 16) - 32768);
      double v = noise * 0.002;  // quiet room
      if (talk) {
        // A voiced sound: harmonics of a wandering pitch, syllable envelope.
        const double pitch = 140.0 + 30.0 * std::sin(2 * M_PI * 0.7 * t);
        const double env = 0.6 + 0.4 * std::sin(2 * M_PI * 4.0 * t);
        for (int k = 1; k <= 4; ++k) v += env * 4000.0 / k * std::sin(2 * M_PI * pitch * k * t);
        v += noise * 0.05;
      }
      pcm[static_cast<std::size_t>(f * kSamplesPerFrame + i)] = static_cast<std::int16_t>(v);
    }
  }
  return pcm;
}

#if HAVE_BCG729

bool available() {
  return true;
}

namespace {
struct EncoderClose {
  void operator()(bcg729EncoderChannelContextStruct *c) const { closeBcg729EncoderChannel(c); }
};
struct DecoderClose {
  void operator()(bcg729DecoderChannelContextStruct *c) const { closeBcg729DecoderChannel(c); }
};
}  // namespace

std::vector<Bytes> encode(const std::vector<std::int16_t> &pcm, bool vad) {
  std::unique_ptr<bcg729EncoderChannelContextStruct, EncoderClose> enc(
      initBcg729EncoderChannel(vad ? 1 : 0));
  std::vector<Bytes> frames;
  for (std::size_t off = 0; off + kSamplesPerFrame <= pcm.size(); off += kSamplesPerFrame) {
    std::uint8_t bits[10];
    std::uint8_t len = 0;
    bcg729Encoder(enc.get(), pcm.data() + off, bits, &len);
    frames.emplace_back(bits, bits + len);
  }
  return frames;
}

std::vector<std::int16_t> decode(const std::vector<Bytes> &slots) {
  std::unique_ptr<bcg729DecoderChannelContextStruct, DecoderClose> dec(initBcg729DecoderChannel());
  std::vector<std::int16_t> pcm;
  std::int16_t out[kSamplesPerFrame];
  static const std::uint8_t kNothing[10] = {};
  for (const Bytes &s : slots) {
    if (s.empty())  // erased / untransmitted: the decoder conceals or continues comfort noise
      bcg729Decoder(dec.get(), kNothing, 0, 1, 0, 0, out);
    else
      bcg729Decoder(dec.get(), s.data(), static_cast<std::uint8_t>(s.size()), 0,
                    s.size() == 2 ? 1 : 0, 0, out);
    pcm.insert(pcm.end(), out, out + kSamplesPerFrame);
  }
  return pcm;
}

#else

bool available() {
  return false;
}
std::vector<Bytes> encode(const std::vector<std::int16_t> &, bool) {
  return {};
}
std::vector<std::int16_t> decode(const std::vector<Bytes> &) {
  return {};
}

#endif

}  // namespace g729codec
