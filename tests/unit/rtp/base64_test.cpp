#include <gtest/gtest.h>

#include "rtp/base64.hpp"
#include "test_util.hpp"

namespace srtcore::rtp {
namespace {

using test::Bytes;

struct Case {
  std::string text;
  std::string encoded;
};

TEST(Base64, EncodesRfc4648Vectors) {
  const Case cases[] = {{"", ""},
                        {"f", "Zg=="},
                        {"fo", "Zm8="},
                        {"foo", "Zm9v"},
                        {"foob", "Zm9vYg=="},
                        {"fooba", "Zm9vYmE="},
                        {"foobar", "Zm9vYmFy"}};
  for (const Case &c : cases) {
    const Bytes in(c.text.begin(), c.text.end());
    EXPECT_EQ(base64_encode(in), c.encoded) << c.text;
    auto dec = base64_decode(c.encoded);
    ASSERT_TRUE(dec) << c.encoded;
    EXPECT_EQ(*dec, in);
  }
}

TEST(Base64, DecodesUnpadded) {
  auto dec = base64_decode("Zm9vYg");
  ASSERT_TRUE(dec);
  EXPECT_EQ(std::string(dec->begin(), dec->end()), "foob");
  dec = base64_decode("Zm9vYmE");
  ASSERT_TRUE(dec);
  EXPECT_EQ(std::string(dec->begin(), dec->end()), "fooba");
}

TEST(Base64, RoundTripsEveryByteValueAndLength) {
  Bytes data;
  for (int i = 0; i < 256; ++i) {
    data.push_back(static_cast<std::uint8_t>(255 - i));
    auto dec = base64_decode(base64_encode(data));
    ASSERT_TRUE(dec);
    EXPECT_EQ(*dec, data);
  }
}

TEST(Base64, DecodesSpropParameterSet) {
  auto dec = base64_decode("Z0IAH+kCwSI=");
  ASSERT_TRUE(dec);
  EXPECT_EQ(*dec, test::bytes({0x67, 0x42, 0x00, 0x1f, 0xe9, 0x02, 0xc1, 0x22}));
}

TEST(Base64, RejectsInvalidInput) {
  for (const char *bad :
       {"Zm9v!", "Zm 9v", "Z", "Zm9vY", "Zg=", "Z===", "Zg==Zg==", "=Zg=", "Zm9v\n", "Zg=a"}) {
    EXPECT_FALSE(base64_decode(bad)) << bad;
  }
}

}  // namespace
}  // namespace srtcore::rtp
