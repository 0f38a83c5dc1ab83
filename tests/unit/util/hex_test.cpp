// SPDX-License-Identifier: Apache-2.0
// Lower-case hex, two digits a byte, appended after what the string holds.
#include "util/hex.hpp"

#include <array>
#include <cstdint>
#include <string>

#include <gtest/gtest.h>

namespace lambdahost::util {
namespace {

TEST(Hex, AppendsTwoLowerCaseDigitsPerByte) {
    const std::array<std::uint8_t, 5> bytes{0x00, 0x0f, 0xa0, 0x7e, 0xff};
    std::string out = "id:";
    append_hex(out, bytes);
    EXPECT_EQ(out, "id:000fa07eff");
}

TEST(Hex, NothingForNoBytes) {
    std::string out = "kept";
    append_hex(out, {});
    EXPECT_EQ(out, "kept");
}

}  // namespace
}  // namespace lambdahost::util
