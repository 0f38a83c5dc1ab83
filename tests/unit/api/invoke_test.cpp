// SPDX-License-Identifier: Apache-2.0
// Invoke's pure steps (headers, client context, payload check, not-found ARN, Tail encoding,
// outcome rendering; facts §1.2, §3.5), the version-spec cache, dispatch_async's
// exactly-once answer, and the handler's answers that come before the scheduler (404, 409,
// DryRun, Event, bad payloads), driven through api::dispatch_async without a scheduler.
#include "api/invoke.hpp"

#include <optional>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/api_fixture.hpp"
#include "api/handler_util.hpp"
#include "api/version_specs.hpp"
#include "model/capture_error.hpp"
#include "util/crypto.hpp"

namespace lambdahost::api {
namespace {

using model::testing::capture_error;

Request with_headers(std::map<std::string, std::string, HeaderNameLess> headers) {
    Request request;
    request.headers = std::move(headers);
    return request;
}

std::optional<std::string> header_of(const Response& response, std::string_view name) {
    for (const auto& [key, value] : response.headers) {
        const HeaderNameLess less;
        if (!less(key, name) && !less(name, key)) {
            return value;
        }
    }
    return std::nullopt;
}

// --- Request headers -----------------------------------------------------------------------

TEST(InvokeOptions, DefaultsToRequestResponseWithoutTail) {
    const InvokeOptions options = parse_invoke_options(Request{});
    EXPECT_EQ(options.type, InvocationType::RequestResponse);
    EXPECT_FALSE(options.tail);
    EXPECT_FALSE(options.client_context);
}

TEST(InvokeOptions, ReadsEveryInvocationTypeAndTail) {
    EXPECT_EQ(parse_invoke_options(with_headers({{"X-Amz-Invocation-Type", "Event"}})).type,
              InvocationType::Event);
    EXPECT_EQ(parse_invoke_options(with_headers({{"x-amz-invocation-type", "DryRun"}})).type,
              InvocationType::DryRun);
    EXPECT_EQ(
        parse_invoke_options(with_headers({{"X-Amz-Invocation-Type", "RequestResponse"}})).type,
        InvocationType::RequestResponse);
    EXPECT_TRUE(parse_invoke_options(with_headers({{"X-Amz-Log-Type", "Tail"}})).tail);
    EXPECT_FALSE(parse_invoke_options(with_headers({{"X-Amz-Log-Type", "None"}})).tail);
}

TEST(InvokeOptions, UnknownInvocationTypeIsValidationException) {
    const model::AwsError error = capture_error([] {
        parse_invoke_options(with_headers({{"X-Amz-Invocation-Type", "requestresponse"}}));
    });
    EXPECT_EQ(error.code(), "ValidationException");
    EXPECT_EQ(error.status(), 400);
    EXPECT_EQ(error.message(),
              "1 validation error detected: Value 'requestresponse' at 'invocationType' failed to "
              "satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, "
              "DryRun]");
}

TEST(InvokeOptions, BadTypeAndLogTypeAreReportedTogether) {
    const model::AwsError error = capture_error([] {
        parse_invoke_options(
            with_headers({{"X-Amz-Invocation-Type", "Sync"}, {"X-Amz-Log-Type", "All"}}));
    });
    EXPECT_EQ(error.message(),
              "2 validation errors detected: Value 'Sync' at 'invocationType' failed to satisfy "
              "constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]; "
              "Value 'All' at 'logType' failed to satisfy constraint: Member must satisfy enum "
              "value set: [None, Tail]");
}

TEST(InvokeOptions, ClientContextIsDecoded) {
    const std::string json = R"({"custom":{"k":"v"},"env":{"locale":"en"}})";
    const InvokeOptions options =
        parse_invoke_options(with_headers({{"X-Amz-Client-Context", util::base64_encode(json)}}));
    EXPECT_EQ(options.client_context, json);
}

TEST(InvokeOptions, EmptyClientContextIsAbsent) {
    EXPECT_FALSE(parse_invoke_options(with_headers({{"X-Amz-Client-Context", ""}})).client_context);
}

// --- Client context ------------------------------------------------------------------------

constexpr const char* kBadClientContext =
    "Client context must be a valid Base64-encoded JSON object.";

TEST(ClientContext, ObjectWithSurroundingWhitespaceIsKeptVerbatim) {
    EXPECT_EQ(decode_client_context(util::base64_encode(" {\"a\":1}\n")), " {\"a\":1}\n");
}

TEST(ClientContext, NotBase64IsInvalidRequestContent) {
    const model::AwsError error = capture_error([] { decode_client_context("not base64!"); });
    EXPECT_EQ(error.code(), "InvalidRequestContentException");
    EXPECT_EQ(error.status(), 400);
    EXPECT_EQ(error.message(), kBadClientContext);
}

TEST(ClientContext, Base64OfSomethingElseThanAJsonObjectIsRefused) {
    for (const std::string decoded : {"[1, 2]", "\"text\"", "{\"a\":", "{} {}", "hello", ""}) {
        const model::AwsError error =
            capture_error([&] { decode_client_context(util::base64_encode(decoded)); });
        EXPECT_EQ(error.message(), kBadClientContext) << decoded;
    }
}

// --- Payload -------------------------------------------------------------------------------

TEST(Payload, EmptyBecomesEmptyObject) {
    std::string body;
    prepare_payload(body);
    EXPECT_EQ(body, "{}");
}

TEST(Payload, AnyJsonValueIsKeptAsSent) {
    for (const std::string json : {"{\"k\": [1, 2.5, null]}", "\"text\"", "42", "null", " [] \n"}) {
        std::string body = json;
        prepare_payload(body);
        EXPECT_EQ(body, json);
    }
}

TEST(Payload, NonJsonIsInvalidRequestContentWithAwsPrefix) {
    for (const std::string bad : {"\x99 not json", "{\"a\":", "{} trailing", "{'a': 1}"}) {
        std::string body = bad;
        const model::AwsError error = capture_error([&] { prepare_payload(body); });
        EXPECT_EQ(error.code(), "InvalidRequestContentException") << bad;
        EXPECT_EQ(error.status(), 400);
        EXPECT_EQ(error.message().rfind("Could not parse request body into json: Could not parse "
                                        "payload into json: parse error at line 1, column ",
                                        0),
                  0u)
            << error.message();
        EXPECT_EQ(error.message().find("[json.exception"), std::string::npos);
    }
}

// --- Not-found ARN and Tail ----------------------------------------------------------------

TEST(InvokeNotFoundArn, UnqualifiedGetsLatest) {
    const model::ResolvedRef ref{model::Scope{"123456789012", "eu-west-1"}, "f", std::nullopt};
    EXPECT_EQ(invoke_not_found_arn(ref),
              "arn:aws:lambda:eu-west-1:123456789012:function:f:$LATEST");
}

TEST(InvokeNotFoundArn, QualifiedKeepsItsQualifier) {
    const model::ResolvedRef ref{model::Scope{}, "f", "7"};
    EXPECT_EQ(invoke_not_found_arn(ref), "arn:aws:lambda:us-east-1:000000000000:function:f:7");
}

TEST(LogResult, ShortLogIsEncodedWhole) {
    EXPECT_EQ(log_result("START RequestId: x\n"), util::base64_encode("START RequestId: x\n"));
    EXPECT_EQ(log_result(""), "");
}

TEST(LogResult, LongLogKeepsTheLast4096Bytes) {
    const std::string log = std::string(5000, 'a') + std::string(4096, 'b');
    const std::optional<std::string> decoded = util::base64_decode(log_result(log));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, std::string(4096, 'b'));
}

// --- Outcome rendering ---------------------------------------------------------------------

scheduler::InvocationOutcome result_outcome(std::string payload) {
    scheduler::InvocationResult result;
    result.payload = std::move(payload);
    result.executed_version = "$LATEST";
    result.log = "START\nEND\nREPORT\n";
    return {std::move(result), std::nullopt};
}

TEST(RenderOutcome, SuccessCarriesPayloadVersionAndRequestId) {
    const Response response = render_outcome(result_outcome("{\"ok\":1}"), false, "rid", "$LATEST");
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "{\"ok\":1}");
    EXPECT_EQ(response.content_type, "application/json");
    EXPECT_EQ(header_of(response, "x-amzn-RequestId"), "rid");
    EXPECT_EQ(header_of(response, "X-Amz-Executed-Version"), "$LATEST");
    EXPECT_FALSE(header_of(response, "X-Amz-Function-Error"));
    EXPECT_FALSE(header_of(response, "X-Amz-Log-Result"));
}

TEST(RenderOutcome, FunctionErrorAndTail) {
    scheduler::InvocationOutcome outcome = result_outcome(R"({"errorType":"Exception"})");
    outcome.result->function_error = "Unhandled";
    outcome.result->executed_version.clear();  // the caller's version stands in
    const Response response = render_outcome(std::move(outcome), true, "rid", "3");
    EXPECT_EQ(response.status, 200);  // AWS: function errors are still 200 (facts §1.5)
    EXPECT_EQ(header_of(response, "X-Amz-Function-Error"), "Unhandled");
    EXPECT_EQ(header_of(response, "X-Amz-Executed-Version"), "3");
    EXPECT_EQ(header_of(response, "X-Amz-Log-Result"), util::base64_encode("START\nEND\nREPORT\n"));
}

TEST(RenderOutcome, ErrorIsRenderedWithTheRequestId) {
    const Response response = render_outcome(
        {std::nullopt, model::errors::too_many_requests("ConcurrentInvocationLimitExceeded")},
        true,
        "rid",
        "$LATEST");
    EXPECT_EQ(response.status, 429);
    EXPECT_EQ(header_of(response, "X-Amzn-ErrorType"), "TooManyRequestsException");
    EXPECT_EQ(header_of(response, "x-amzn-RequestId"), "rid");
    EXPECT_FALSE(header_of(response, "X-Amz-Log-Result"));
}

TEST(RenderOutcome, NeitherResultNorErrorIsServiceException) {
    const Response response = render_outcome({}, false, "rid", "$LATEST");
    EXPECT_EQ(response.status, 500);
    EXPECT_EQ(header_of(response, "X-Amzn-ErrorType"), "ServiceException");
}

TEST(RequestTooLarge, InvokeIsCalledInvokeFunction) {
    for (const Operation& op : operations()) {
        if (op.name == "Invoke") {
            EXPECT_EQ(
                request_too_large(op).message(),
                "Request must be smaller than 6291456 bytes for the InvokeFunction operation");
        }
        if (op.name == "CreateFunction") {
            EXPECT_EQ(
                request_too_large(op).message(),
                "Request must be smaller than 70167211 bytes for the CreateFunction operation");
        }
    }
}

// --- dispatch_async --------------------------------------------------------------------------

/// Collects the answers dispatch_async gives.
struct Answers {
    std::vector<Response> responses;
    Respond respond() {
        return [this](Response response) { responses.push_back(std::move(response)); };
    }
};

using DispatchAsync = test::ApiTest;

TEST_F(DispatchAsync, ThrownAwsErrorIsRendered) {
    const Operation op{"X", "POST", "/x", 10, nullptr, [](Context&, Request&&, Respond) {
                           throw model::errors::function_not_found("arn");
                       }};
    Answers answers;
    dispatch_async(op, *context_, Request{}, answers.respond());
    ASSERT_EQ(answers.responses.size(), 1u);
    EXPECT_EQ(answers.responses[0].status, 404);
}

TEST_F(DispatchAsync, ThrowAfterRespondingAnswersOnce) {
    const Operation op{"X", "POST", "/x", 10, nullptr, [](Context&, Request&&, Respond respond) {
                           respond(empty_response(202));
                           throw std::runtime_error("late failure");
                       }};
    Answers answers;
    dispatch_async(op, *context_, Request{}, answers.respond());
    ASSERT_EQ(answers.responses.size(), 1u);
    EXPECT_EQ(answers.responses[0].status, 202);
}

TEST_F(DispatchAsync, DroppedRespondStillAnswers) {
    const Operation op{"X", "POST", "/x", 10, nullptr, [](Context&, Request&&, Respond) {}};
    Answers answers;
    dispatch_async(op, *context_, Request{}, answers.respond());
    ASSERT_EQ(answers.responses.size(), 1u);
    EXPECT_EQ(answers.responses[0].status, 500);
    EXPECT_EQ(header_of(answers.responses[0], "X-Amzn-ErrorType"), "ServiceException");
}

TEST_F(DispatchAsync, RespondingLaterFromElsewhereIsTheOnlyAnswer) {
    static Respond kept;
    const Operation op{"X", "POST", "/x", 10, nullptr, [](Context&, Request&&, Respond respond) {
                           kept = std::move(respond);
                       }};
    Answers answers;
    dispatch_async(op, *context_, Request{}, answers.respond());
    EXPECT_TRUE(answers.responses.empty());
    kept(empty_response(200));
    kept(empty_response(201));
    kept = nullptr;
    ASSERT_EQ(answers.responses.size(), 1u);
    EXPECT_EQ(answers.responses[0].status, 200);
}

// --- The handler, up to the scheduler ---------------------------------------------------------

class InvokeHandler : public test::ApiTest {
protected:
    struct Input {
        std::string name = "f";
        std::string body = "{}";
        std::map<std::string, std::string, HeaderNameLess> headers{};
        std::multimap<std::string, std::string> query{};
    };

    Response invoke(Input input) {
        Request request;
        request.method = "POST";
        request.path = "/2015-03-31/functions/" + input.name + "/invocations";
        request.path_params = {{"FunctionName", input.name}};
        request.query = std::move(input.query);
        request.headers = std::move(input.headers);
        request.body = std::move(input.body);
        Answers answers;
        dispatch_async(operation("Invoke"), *context_, std::move(request), answers.respond());
        EXPECT_EQ(answers.responses.size(), 1u);
        return answers.responses.empty() ? Response{} : std::move(answers.responses.front());
    }

    static std::string message(const Response& response) {
        const nlohmann::json body = nlohmann::json::parse(response.body);
        return body.value("message", body.value("Message", std::string()));
    }

    void update_code(const std::string& name) {
        const test::Reply reply = call(
            "UpdateFunctionCode",
            {.path = {{"FunctionName", name}},
             .body =
                 nlohmann::json{{"ZipFile", util::base64_encode(test::handler_zip("2"))}}.dump()});
        ASSERT_EQ(reply.status, 200) << reply.raw;
    }
};

TEST_F(InvokeHandler, MissingFunctionQuotesTheLatestArn) {
    const Response response = invoke({.name = "nope"});
    EXPECT_EQ(response.status, 404);
    EXPECT_EQ(message(response),
              "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope:$LATEST");
}

TEST_F(InvokeHandler, MissingVersionOrAliasQuotesItsQualifier) {
    create_active("f");
    const Response version = invoke({.query = {{"Qualifier", "1"}}});
    EXPECT_EQ(version.status, 404);
    EXPECT_EQ(message(version),
              "Function not found: arn:aws:lambda:us-east-1:000000000000:function:f:1");
    const Response alias = invoke({.name = "f:live"});
    EXPECT_EQ(alias.status, 404);
    EXPECT_EQ(message(alias),
              "Function not found: arn:aws:lambda:us-east-1:000000000000:function:f:live");
}

TEST_F(InvokeHandler, PendingFunctionIsConflict) {
    ASSERT_EQ(create("f").status, 201);  // the transition to Active is left queued
    const Response response = invoke({});
    EXPECT_EQ(response.status, 409);
    EXPECT_EQ(header_of(response, "X-Amzn-ErrorType"), "ResourceConflictException");
    EXPECT_EQ(message(response),
              "The operation cannot be performed at this time. The function is currently in the "
              "following state: Pending");
}

TEST_F(InvokeHandler, DryRunAnswers204EvenWhilePending) {
    ASSERT_EQ(create("f").status, 201);
    const Response response = invoke({.headers = {{"X-Amz-Invocation-Type", "DryRun"}}});
    EXPECT_EQ(response.status, 204);
    EXPECT_TRUE(response.body.empty());
}

TEST_F(InvokeHandler, EventWithoutQueueIsServiceException) {
    create_active("f");
    const Response response = invoke({.headers = {{"X-Amz-Invocation-Type", "Event"}}});
    EXPECT_EQ(response.status, 500);
    EXPECT_EQ(header_of(response, "X-Amzn-ErrorType"), "ServiceException");
}

TEST_F(InvokeHandler, EventPayloadOverOneMegabyteIs413) {
    // AWS: the async payload limit is 1 MB (facts §3.8), checked before queueing.
    create_active("f");
    const Response response = invoke({.body = "\"" + std::string(1048575, 'a') + "\"",
                                      .headers = {{"X-Amz-Invocation-Type", "Event"}}});
    EXPECT_EQ(response.status, 413);
    EXPECT_EQ(message(response),
              "Request must be smaller than 1048576 bytes for the InvokeFunction operation");
}

TEST_F(InvokeHandler, NonJsonPayloadIsRefusedBeforeRunning) {
    create_active("f");
    const Response response = invoke({.body = "\x99 not json"});
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(header_of(response, "X-Amzn-ErrorType"), "InvalidRequestContentException");
}

TEST_F(InvokeHandler, BadHeadersAreValidationErrors) {
    create_active("f");
    EXPECT_EQ(invoke({.headers = {{"X-Amz-Log-Type", "tail"}}}).status, 400);
    const Response context = invoke({.headers = {{"X-Amz-Client-Context", "%%%"}}});
    EXPECT_EQ(context.status, 400);
    EXPECT_EQ(message(context), kBadClientContext);
}

TEST_F(InvokeHandler, ActiveFunctionWithoutSchedulerIsServiceException) {
    create_active("f");
    const Response response = invoke({});
    EXPECT_EQ(response.status, 500);
    EXPECT_EQ(header_of(response, "X-Amzn-ErrorType"), "ServiceException");
}

TEST_F(InvokeHandler, UpdateInProgressKeepsServingThePreviousVersion) {
    create_active("f");
    EXPECT_EQ(invoke({}).status, 500);  // reached the (missing) scheduler: the spec is known now
    update_code("f");                   // InProgress until the executor runs
    EXPECT_EQ(invoke({}).status, 500);  // still runnable, on the previous spec
    executor_.run_all();
    EXPECT_EQ(invoke({}).status, 500);
}

TEST_F(InvokeHandler, UpdateInProgressWithoutPreviousSpecIsConflict) {
    create_active("f");
    update_code("f");
    const Response response = invoke({});
    EXPECT_EQ(response.status, 409);
    EXPECT_EQ(message(response),
              "The operation cannot be performed at this time. An update is in progress for "
              "resource: arn:aws:lambda:us-east-1:000000000000:function:f");
}

// --- VersionSpecs ------------------------------------------------------------------------------

using Specs = test::ApiTest;

TEST_F(Specs, OneSpecPerRevisionWithTheExtractedCodeDir) {
    create_active("f");
    VersionSpecs specs;
    const model::Scope scope;
    const store::FunctionPtr function = catalog_->find(scope, "f");
    const VersionSpecPtr first = specs.current(scope, function->latest, *code_store_);
    EXPECT_EQ(specs.current(scope, function->latest, *code_store_), first);
    EXPECT_EQ(first->config.revision_id, function->latest.revision_id);
    EXPECT_EQ(first->code_dir, code_store_->extract(function->latest.code_sha256_hex));
    EXPECT_EQ(specs.last(scope, "f", "$LATEST"), first);
    EXPECT_EQ(specs.last(scope, "f", "1"), nullptr);
    EXPECT_EQ(specs.last(model::Scope{"123456789012", "us-east-1"}, "f", "$LATEST"), nullptr);

    model::FunctionConfig next = function->latest;
    next.revision_id = "another";
    const VersionSpecPtr second = specs.current(scope, next, *code_store_);
    EXPECT_NE(second, first);
    EXPECT_EQ(specs.last(scope, "f", "$LATEST"), second);
}

}  // namespace
}  // namespace lambdahost::api
