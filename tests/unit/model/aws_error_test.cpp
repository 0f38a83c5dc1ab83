// SPDX-License-Identifier: Apache-2.0
// Unit tests of model/aws_error's violation rendering: the three value forms AWS uses and the
// InvalidParameterValueException worded like a ValidationException.
#include "model/aws_error.hpp"

#include <gtest/gtest.h>

namespace lambdahost::model {
namespace {

TEST(AwsError, ViolationValueFormsRenderAsAws) {
    const auto error = errors::validation({{"x", "a", "c1"},
                                           {"", "b", "c2", errors::ValueForm::Null},
                                           {"secret", "c", "c3", errors::ValueForm::Omitted}});
    EXPECT_EQ(error.code(), "ValidationException");
    EXPECT_EQ(error.message(),
              "3 validation errors detected: Value 'x' at 'a' failed to satisfy constraint: c1; "
              "Value null at 'b' failed to satisfy constraint: c2; Value at 'c' failed to "
              "satisfy constraint: c3");
}

TEST(AwsError, InvalidParameterViolationsUseValidationWording) {
    const auto error = errors::invalid_parameter_violations({{"n", "functionName", "c"}});
    EXPECT_EQ(error.code(), "InvalidParameterValueException");
    EXPECT_EQ(error.status(), 400);
    EXPECT_EQ(error.message(),
              "1 validation error detected: Value 'n' at 'functionName' failed to satisfy "
              "constraint: c");
}

}  // namespace
}  // namespace lambdahost::model
