// SPDX-License-Identifier: Apache-2.0
// The requests that deliver a message to SQS, SNS and EventBridge in those services' real wire
// protocols, so any SQS/SNS/EventBridge-compatible endpoint (LocalStack, ElasticMQ, moto, AWS)
// can receive them:
//   SQS SendMessage  - the JSON protocol current SDKs use (botocore >= 1.31.64, 2023-11):
//                      POST /, Content-Type application/x-amz-json-1.0,
//                      X-Amz-Target: AmazonSQS.SendMessage, {"QueueUrl","MessageBody",...}
//   SNS Publish      - the query protocol: form-encoded Action=Publish&Version=2010-03-31&...
//   EventBridge PutEvents - JSON 1.1, X-Amz-Target: AWSEvents.PutEvents, one entry.
// Signing (SigV4) is left to the transport (libcurl's CURLOPT_AWS_SIGV4) with `service` and
// `region`. Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "async/destination.hpp"
#include "async/event.hpp"

namespace lambdahost::async {

struct HttpCall {
    std::string url;
    std::string service;               // SigV4 service name: "sqs", "sns", "events"
    std::string region;                // SigV4 region
    std::vector<std::string> headers;  // "Name: value"
    std::string body;
};

/// The call delivering `delivery` to `arn` (service sqs, sns or events) at `endpoint`.
HttpCall build_call(const Delivery& delivery, const TargetArn& arn, std::string_view endpoint);

/// Whether the service accepted the message: a 2xx answer, and for PutEvents no failed entry.
bool accepted(std::string_view service, long status, std::string_view body);

/// RFC 3986 percent-encoding of everything but unreserved characters (what form values need).
std::string form_escape(std::string_view text);

}  // namespace lambdahost::async
