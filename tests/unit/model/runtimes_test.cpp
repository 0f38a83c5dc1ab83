// SPDX-License-Identifier: Apache-2.0
// Unit tests of model/runtimes: the runtime tables stay consistent and lookups are exact.
#include "model/runtimes.hpp"

#include <gtest/gtest.h>

namespace lambdahost::model {
namespace {

TEST(Runtimes, NoRuntimeIsBothSupportedAndDeprecated) {
    for (const auto runtime : kSupportedRuntimes) {
        EXPECT_FALSE(is_deprecated_runtime(runtime)) << runtime;
    }
}

TEST(Runtimes, LookupsAreCaseSensitive) {
    EXPECT_TRUE(is_supported_runtime("python3.12"));
    EXPECT_FALSE(is_supported_runtime("Python3.12"));
    EXPECT_TRUE(is_deprecated_runtime("go1.x"));
    EXPECT_FALSE(is_deprecated_runtime("GO1.X"));
}

TEST(Runtimes, CurrentFamiliesAreSupported) {
    for (const char* runtime : {"python3.9",
                                "python3.14",
                                "nodejs24.x",
                                "java8.al2",
                                "java21",
                                "dotnet8",
                                "ruby3.4",
                                "provided",
                                "provided.al2023"}) {
        EXPECT_TRUE(is_supported_runtime(runtime)) << runtime;
    }
}

TEST(Runtimes, ReservedKeysAreExact) {
    EXPECT_TRUE(is_reserved_environment_key("AWS_REGION"));
    EXPECT_TRUE(is_reserved_environment_key("_HANDLER"));
    EXPECT_FALSE(is_reserved_environment_key("AWS_LAMBDA_EXEC_WRAPPER"));
    EXPECT_FALSE(is_reserved_environment_key("aws_region"));
}

}  // namespace
}  // namespace lambdahost::model
