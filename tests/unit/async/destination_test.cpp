// SPDX-License-Identifier: Apache-2.0
// Destination ARNs: AWS's DestinationArn pattern, the pieces of an ARN, lambda targets and SQS
// queue URLs.
#include "async/destination.hpp"

#include <string>

#include <gtest/gtest.h>

namespace lambdahost::async {
namespace {

TEST(Destination, PatternAcceptsAwsArnsAndTheEmptyString) {
    EXPECT_TRUE(matches_destination_pattern(""));
    EXPECT_TRUE(matches_destination_pattern("arn:aws:sqs:us-east-1:000000000000:q"));
    EXPECT_TRUE(matches_destination_pattern("arn:aws:lambda:us-east-1:000000000000:function:f:1"));
    EXPECT_TRUE(matches_destination_pattern("arn:aws-us-gov:sns:us-gov-west-1:000000000000:t"));
    EXPECT_TRUE(matches_destination_pattern("arn:aws-iso:sqs:us-iso-east-1:000000000000:q"));
    EXPECT_TRUE(
        matches_destination_pattern("arn:aws:s3:::bucket"));  // a valid ARN, another service
}

TEST(Destination, PatternRefusesWhatAwsRefuses) {
    EXPECT_FALSE(matches_destination_pattern("not-an-arn"));
    EXPECT_FALSE(matches_destination_pattern("arn:gcp:sqs:us-east-1:000000000000:q"));
    EXPECT_FALSE(
        matches_destination_pattern("arn:aws:_-/!lambda:us-east-1:000000000000:function:f"));
    EXPECT_FALSE(matches_destination_pattern("arn:aws:sqs:useast1:000000000000:q"));
    EXPECT_FALSE(matches_destination_pattern("arn:aws:sqs:us-east-1:0000:q"));
    EXPECT_FALSE(matches_destination_pattern("arn:aws:sqs:us-east-1"));
}

TEST(Destination, ParsedArnKeepsColonsOfTheResource) {
    const auto arn = parse_target_arn("arn:aws:lambda:eu-west-1:123456789012:function:f:live");
    ASSERT_TRUE(arn);
    EXPECT_EQ(arn->service, "lambda");
    EXPECT_EQ(arn->region, "eu-west-1");
    EXPECT_EQ(arn->account, "123456789012");
    EXPECT_EQ(arn->resource, "function:f:live");
    const auto target = function_target(*arn);
    ASSERT_TRUE(target);
    EXPECT_EQ(target->name, "f");
    EXPECT_EQ(target->qualifier, "live");
}

TEST(Destination, FunctionTargetNeedsAFunctionResource) {
    EXPECT_FALSE(function_target(*parse_target_arn("arn:aws:sqs:us-east-1:000000000000:q")));
    EXPECT_FALSE(
        function_target(*parse_target_arn("arn:aws:lambda:us-east-1:000000000000:layer:l")));
    EXPECT_FALSE(
        function_target(*parse_target_arn("arn:aws:lambda:us-east-1:000000000000:function:")));
    EXPECT_EQ(function_target(*parse_target_arn("arn:aws:lambda:us-east-1:000000000000:function:f"))
                  ->qualifier,
              std::nullopt);
}

TEST(Destination, SupportedServices) {
    for (const char* service : {"lambda", "sqs", "sns", "events"}) {
        EXPECT_TRUE(is_supported_service(service)) << service;
    }
    EXPECT_FALSE(is_supported_service("s3"));
    EXPECT_FALSE(is_supported_service("kinesis"));
}

TEST(Destination, QueueUrlJoinsEndpointAccountAndName) {
    const auto arn = parse_target_arn("arn:aws:sqs:us-east-1:000000000000:orders");
    EXPECT_EQ(queue_url("http://127.0.0.1:4566/", *arn),
              "http://127.0.0.1:4566/000000000000/orders");
    EXPECT_EQ(queue_url("http://sqs.local", *arn), "http://sqs.local/000000000000/orders");
}

}  // namespace
}  // namespace lambdahost::async
