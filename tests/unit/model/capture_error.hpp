// SPDX-License-Identifier: Apache-2.0
// Test helper for the model's unit tests: runs a callable expected to throw AwsError and
// returns the error, so a test can compare its code, status and exact message.
#pragma once

#include <utility>

#include <gtest/gtest.h>

#include "model/aws_error.hpp"

namespace lambdahost::model::testing {

template <typename Callable>
AwsError capture_error(Callable&& callable) {
    try {
        std::forward<Callable>(callable)();
    } catch (const AwsError& error) {
        return error;
    }
    ADD_FAILURE() << "expected an AwsError, nothing was thrown";
    return AwsError{0, "<none>", "<none>"};
}

}  // namespace lambdahost::model::testing
