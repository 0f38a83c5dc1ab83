// SPDX-License-Identifier: Apache-2.0
// The function handlers driven through api::dispatch against a real Catalog, Database and
// CodeStore: lifecycle states and their transitions, 409 while an update is in progress, 412 on
// a stale RevisionId, GetFunction's Code and Tags, ListFunctions pages, deletion and code
// clean-up, restart recovery (facts §1.2-§1.4, §2.1, §3.2).
#include "api/functions.hpp"

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "api/api_fixture.hpp"

namespace lambdahost::api {
namespace {

using Functions = test::ApiTest;
using test::handler_zip;
using test::hex_digest;

constexpr const char* kInProgress =
    "The operation cannot be performed at this time. An update is in progress for resource: "
    "arn:aws:lambda:us-east-1:000000000000:function:f";

// --- CreateFunction and the Pending -> Active transition -------------------------------------

TEST_F(Functions, CreateAnswersPendingWithoutLastUpdateStatus) {
    const std::string zip = handler_zip("1");
    const test::Reply reply = create("f", zip);
    ASSERT_EQ(reply.status, 201) << reply.raw;
    const nlohmann::json& config = reply.body;
    EXPECT_EQ(config.at("FunctionName"), "f");
    EXPECT_EQ(config.at("FunctionArn"), std::string(kArnPrefix) + "f");
    EXPECT_EQ(config.at("Version"), "$LATEST");
    EXPECT_EQ(config.at("State"), "Pending");
    EXPECT_EQ(config.at("StateReason"), "The function is being created.");
    EXPECT_EQ(config.at("StateReasonCode"), "Creating");
    EXPECT_FALSE(config.contains("LastUpdateStatus"));
    EXPECT_EQ(config.at("CodeSha256"), util::base64_encode([&] {
                  const util::Sha256Digest digest = util::sha256(zip);
                  return std::string(digest.begin(), digest.end());
              }()));
    EXPECT_EQ(config.at("CodeSize"), zip.size());
    EXPECT_EQ(config.at("RevisionId").get<std::string>().size(), 36u);
    EXPECT_TRUE(code_store_->contains(hex_digest(zip)));
}

TEST_F(Functions, CreateBecomesActiveAfterTheTransition) {
    const test::Reply created = create("f");
    EXPECT_EQ(get_configuration("f").body.at("State"), "Pending");
    executor_.run_all();
    const test::Reply reply = get_configuration("f");
    ASSERT_EQ(reply.status, 200);
    EXPECT_EQ(reply.body.at("State"), "Active");
    EXPECT_EQ(reply.body.at("LastUpdateStatus"), "Successful");
    EXPECT_FALSE(reply.body.contains("StateReason"));
    EXPECT_FALSE(reply.body.contains("StateReasonCode"));
    EXPECT_FALSE(reply.body.contains("LastUpdateStatusReason"));
    EXPECT_FALSE(reply.body.contains("LastUpdateStatusReasonCode"));
    // AWS: the transition is an observable change, so the RevisionId changes (facts §1.4).
    EXPECT_NE(reply.body.at("RevisionId"), created.body.at("RevisionId"));
}

TEST_F(Functions, TransitionWaitsForTheConfiguredDelay) {
    context_->settings.state_transition_delay = std::chrono::milliseconds(250);
    create("f");
    executor_.run_all();
    ASSERT_FALSE(executor_.delays().empty());
    EXPECT_EQ(executor_.delays().back(), std::chrono::milliseconds(250));
}

TEST_F(Functions, CreateExtractsTheCode) {
    const std::string zip = handler_zip("1");
    create_active("f", zip);
    EXPECT_TRUE(std::filesystem::exists(dir_.path() / "code" / hex_digest(zip) / "handler.py"));
}

TEST_F(Functions, CreateOfAnExistingNameIsConflict) {
    create_active("f");
    const test::Reply reply = create("f", handler_zip("2"));
    EXPECT_EQ(reply.status, 409);
    EXPECT_EQ(reply.header("X-Amzn-ErrorType"), "ResourceConflictException");
    EXPECT_EQ(reply.body,
              nlohmann::json({{"Type", "User"}, {"message", "Function already exist: f"}}));
    // The duplicate's package is not kept.
    EXPECT_FALSE(code_store_->contains(hex_digest(handler_zip("2"))));
}

TEST_F(Functions, CreateByArnUsesTheBareName) {
    const test::Reply reply = create(std::string(kArnPrefix) + "by-arn");
    ASSERT_EQ(reply.status, 201) << reply.raw;
    EXPECT_EQ(reply.body.at("FunctionName"), "by-arn");
    EXPECT_EQ(get_configuration("by-arn").status, 200);
}

TEST_F(Functions, CreateWithUnreadableZipIsRefusedAndStoresNothing) {
    const test::Reply reply = create("f", "this is not a zip");
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(reply.header("X-Amzn-ErrorType"), "InvalidParameterValueException");
    EXPECT_EQ(get_configuration("f").status, 404);
}

TEST_F(Functions, ExtractionFailureLeavesTheFunctionFailed) {
    const std::string zip = handler_zip("1");
    create("f", zip);
    // The package disappears before the transition extracts it.
    std::filesystem::remove(code_store_->zip_path(hex_digest(zip)));
    executor_.run_all();
    const test::Reply reply = get_configuration("f");
    EXPECT_EQ(reply.body.at("State"), "Failed");
    EXPECT_EQ(reply.body.at("StateReasonCode"), "InternalError");
    EXPECT_FALSE(reply.body.at("StateReason").get<std::string>().empty());
    EXPECT_EQ(reply.body.at("LastUpdateStatus"), "Failed");
}

TEST_F(Functions, TransitionOfADeletedFunctionDoesNothing) {
    create("f");
    EXPECT_EQ(call("DeleteFunction", {.path = {{"FunctionName", "f"}}}).status, 204);
    executor_.run_all();
    EXPECT_EQ(get_configuration("f").status, 404);
}

TEST_F(Functions, StaleTransitionDoesNotTouchARecreatedFunction) {
    create("f");
    executor_.run_one();  // extraction of the first f; its completion is now queued
    call("DeleteFunction", {.path = {{"FunctionName", "f"}}});
    create("f", handler_zip("2"));
    executor_.run_one();  // the first f's completion
    EXPECT_EQ(get_configuration("f").body.at("State"), "Pending");
    executor_.run_all();
    EXPECT_EQ(get_configuration("f").body.at("State"), "Active");
}

TEST_F(Functions, RestartResumesPendingTransitions) {
    create("f");
    reopen();
    EXPECT_EQ(get_configuration("f").body.at("State"), "Pending");
    resume_transitions(*context_);
    executor_.run_all();
    EXPECT_EQ(get_configuration("f").body.at("State"), "Active");
}

// --- GetFunction / GetFunctionConfiguration --------------------------------------------------

TEST_F(Functions, GetFunctionHasConfigurationAndCodeLocation) {
    const std::string zip = handler_zip("1");
    create_active("f", zip);
    const test::Reply reply =
        call("GetFunction", {.path = {{"FunctionName", "f"}}, .headers = {{"Host", "h:9000"}}});
    ASSERT_EQ(reply.status, 200) << reply.raw;
    EXPECT_EQ(reply.body.at("Configuration"), get_configuration("f").body);
    EXPECT_EQ(reply.body.at("Code"),
              nlohmann::json({{"RepositoryType", "S3"},
                              {"Location", "http://h:9000/_lambdahost/code/" + hex_digest(zip)}}));
    // AWS: Tags only when the function has some (facts §3.9).
    EXPECT_FALSE(reply.body.contains("Tags"));
}

TEST_F(Functions, GetFunctionShowsTags) {
    create("f", handler_zip("1"), {{"Tags", {{"team", "a"}}}});
    const test::Reply reply = call("GetFunction", {.path = {{"FunctionName", "f"}}});
    EXPECT_EQ(reply.body.at("Tags"), nlohmann::json({{"team", "a"}}));
}

TEST_F(Functions, QualifierLatestGivesQualifiedArn) {
    create_active("f");
    const test::Reply reply =
        call("GetFunctionConfiguration",
             {.path = {{"FunctionName", "f"}}, .query = {{"Qualifier", "$LATEST"}}});
    ASSERT_EQ(reply.status, 200) << reply.raw;
    EXPECT_EQ(reply.body.at("FunctionArn"), std::string(kArnPrefix) + "f:$LATEST");
    const test::Reply embedded = call("GetFunction", {.path = {{"FunctionName", "f:$LATEST"}}});
    EXPECT_EQ(embedded.body.at("Configuration").at("FunctionArn"),
              std::string(kArnPrefix) + "f:$LATEST");
}

TEST_F(Functions, MissingFunctionIsNotFoundWithUnqualifiedArn) {
    // AWS: Get does not append ":$LATEST" (facts §1.2).
    for (const char* op : {"GetFunction", "GetFunctionConfiguration"}) {
        const test::Reply reply = call(op, {.path = {{"FunctionName", "nope"}}});
        EXPECT_EQ(reply.status, 404);
        EXPECT_EQ(reply.body,
                  nlohmann::json(
                      {{"Type", "User"},
                       {"Message", std::string("Function not found: ") + kArnPrefix + "nope"}}));
    }
}

TEST_F(Functions, MissingVersionOrAliasIsNotFoundWithQualifiedArn) {
    create_active("f");
    for (const char* qualifier : {"1", "live", "$latest"}) {
        const test::Reply reply = call(
            "GetFunction", {.path = {{"FunctionName", "f"}}, .query = {{"Qualifier", qualifier}}});
        EXPECT_EQ(reply.status, 404) << qualifier;
        EXPECT_EQ(reply.message(),
                  std::string("Function not found: ") + kArnPrefix + "f:" + qualifier);
    }
}

TEST_F(Functions, FunctionsOfAnotherScopeAreInvisible) {
    create_active("f");
    const model::Scope other{"123456789012", "us-east-1"};
    EXPECT_EQ(call("GetFunction", {.path = {{"FunctionName", "f"}}, .scope = other}).status, 404);
    const model::Scope other_region{"000000000000", "eu-west-1"};
    EXPECT_EQ(call("GetFunction", {.path = {{"FunctionName", "f"}}, .scope = other_region}).status,
              404);
}

TEST_F(Functions, DownloadServesTheStoredZip) {
    const std::string zip = handler_zip("1");
    create_active("f", zip);
    const test::Reply reply = call("DownloadFunctionCode", {.path = {{"Digest", hex_digest(zip)}}});
    ASSERT_EQ(reply.status, 200);
    EXPECT_EQ(reply.content_type, "application/zip");
    EXPECT_EQ(reply.raw, zip);
}

TEST_F(Functions, DownloadOfUnknownOrMalformedDigestIsNotFound) {
    for (const std::string& digest : {std::string(64, 'a'),
                                      std::string("../../etc/passwd"),
                                      std::string(64, 'A'),
                                      std::string()}) {
        const test::Reply reply = call("DownloadFunctionCode", {.path = {{"Digest", digest}}});
        EXPECT_EQ(reply.status, 404) << digest;
        EXPECT_EQ(reply.header("X-Amzn-ErrorType"), "ResourceNotFoundException");
    }
}

// --- ListFunctions ----------------------------------------------------------------------------

std::vector<std::string> names_of(const nlohmann::json& functions) {
    std::vector<std::string> names;
    for (const auto& item : functions) {
        names.push_back(item.at("FunctionName"));
    }
    return names;
}

TEST_F(Functions, ListIsSortedTrimmedAndUnqualified) {
    create_active("b");
    create_active("a");
    const test::Reply reply = call("ListFunctions");
    ASSERT_EQ(reply.status, 200) << reply.raw;
    EXPECT_EQ(names_of(reply.body.at("Functions")), (std::vector<std::string>{"a", "b"}));
    EXPECT_FALSE(reply.body.contains("NextMarker"));
    const nlohmann::json& item = reply.body.at("Functions").at(0);
    EXPECT_EQ(item.at("FunctionArn"), std::string(kArnPrefix) + "a");
    // AWS: list items omit State*, LastUpdateStatus* and RuntimeVersionConfig (facts §3.2).
    for (const char* member :
         {"State", "StateReason", "LastUpdateStatus", "RuntimeVersionConfig"}) {
        EXPECT_FALSE(item.contains(member)) << member;
    }
}

TEST_F(Functions, ListEmptyScope) {
    const test::Reply reply = call("ListFunctions");
    EXPECT_EQ(reply.body, nlohmann::json({{"Functions", nlohmann::json::array()}}));
}

TEST_F(Functions, ListAllVersionsQualifiesWithLatest) {
    create_active("a");
    const test::Reply reply = call("ListFunctions", {.query = {{"FunctionVersion", "ALL"}}});
    ASSERT_EQ(reply.status, 200) << reply.raw;
    EXPECT_EQ(reply.body.at("Functions").at(0).at("FunctionArn"),
              std::string(kArnPrefix) + "a:$LATEST");
}

TEST_F(Functions, ListPagesWithMarkers) {
    for (const char* name : {"e", "c", "a", "d", "b"}) {
        create_active(name);
    }
    std::vector<std::string> seen;
    std::optional<std::string> marker;
    int pages = 0;
    do {
        test::Call input{.query = {{"MaxItems", "2"}}};
        if (marker) {
            input.query.emplace("Marker", *marker);
        }
        const test::Reply reply = call("ListFunctions", std::move(input));
        ASSERT_EQ(reply.status, 200) << reply.raw;
        const auto names = names_of(reply.body.at("Functions"));
        EXPECT_LE(names.size(), 2u);
        seen.insert(seen.end(), names.begin(), names.end());
        marker = reply.body.contains("NextMarker")
                     ? std::optional(reply.body.at("NextMarker").get<std::string>())
                     : std::nullopt;
        ++pages;
    } while (marker && pages < 10);
    EXPECT_EQ(pages, 3);
    EXPECT_EQ(seen, (std::vector<std::string>{"a", "b", "c", "d", "e"}));
}

TEST_F(Functions, ListMarkerSurvivesDeletionOfItsFunction) {
    for (const char* name : {"a", "b", "c"}) {
        create_active(name);
    }
    const test::Reply first = call("ListFunctions", {.query = {{"MaxItems", "2"}}});
    call("DeleteFunction", {.path = {{"FunctionName", "b"}}});
    const test::Reply second = call(
        "ListFunctions", {.query = {{"Marker", first.body.at("NextMarker").get<std::string>()}}});
    EXPECT_EQ(names_of(second.body.at("Functions")), (std::vector<std::string>{"c"}));
}

TEST_F(Functions, ListRejectsOtherFunctionVersions) {
    const test::Reply reply = call("ListFunctions", {.query = {{"FunctionVersion", "LATEST"}}});
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(reply.body,
              nlohmann::json({{"message",
                               "1 validation error detected: Value 'LATEST' at 'functionVersion' "
                               "failed to satisfy constraint: Member must satisfy enum value set: "
                               "[ALL]"}}));
}

TEST_F(Functions, ListRejectsMaxItemsOutOfRange) {
    const test::Reply zero = call("ListFunctions", {.query = {{"MaxItems", "0"}}});
    EXPECT_EQ(zero.status, 400);
    EXPECT_EQ(zero.message(),
              "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: "
              "Member must have value greater than or equal to 1");
    const test::Reply big = call("ListFunctions", {.query = {{"MaxItems", "10001"}}});
    EXPECT_EQ(big.message(),
              "1 validation error detected: Value '10001' at 'maxItems' failed to satisfy "
              "constraint: Member must have value less than or equal to 10000");
    EXPECT_EQ(call("ListFunctions", {.query = {{"MaxItems", "10000"}}}).status, 200);
}

TEST_F(Functions, ListReportsAllViolationsTogether) {
    const test::Reply reply =
        call("ListFunctions", {.query = {{"FunctionVersion", "x"}, {"MaxItems", "0"}}});
    EXPECT_EQ(reply.message().rfind("2 validation errors detected: ", 0), 0u) << reply.message();
}

TEST_F(Functions, ListRejectsAForeignMarker) {
    const test::Reply reply = call("ListFunctions", {.query = {{"Marker", "garbage!"}}});
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(reply.header("X-Amzn-ErrorType"), "InvalidParameterValueException");
}

// --- UpdateFunctionCode -----------------------------------------------------------------------

test::Call code_update(const std::string& name,
                       const std::string& zip,
                       nlohmann::json extra = nlohmann::json::object()) {
    nlohmann::json body{{"ZipFile", util::base64_encode(zip)}};
    body.update(extra);
    return {.path = {{"FunctionName", name}}, .body = body.dump()};
}

TEST_F(Functions, UpdateCodeWhilePendingIsConflict) {
    create("f");
    const test::Reply reply = call("UpdateFunctionCode", code_update("f", handler_zip("2")));
    EXPECT_EQ(reply.status, 409);
    EXPECT_EQ(reply.message(), kInProgress);
    EXPECT_FALSE(code_store_->contains(hex_digest(handler_zip("2"))));
}

TEST_F(Functions, UpdateCodeAnswersInProgressThenSuccessful) {
    const std::string old_zip = handler_zip("1");
    const std::string new_zip = handler_zip("2");
    const test::Reply created = create_active("f", old_zip);
    const std::string active_revision = get_configuration("f").body.at("RevisionId");

    const test::Reply reply = call("UpdateFunctionCode", code_update("f", new_zip));
    ASSERT_EQ(reply.status, 200) << reply.raw;
    EXPECT_EQ(reply.body.at("State"), "Active");
    EXPECT_EQ(reply.body.at("LastUpdateStatus"), "InProgress");
    EXPECT_EQ(reply.body.at("LastUpdateStatusReason"), "The function is being created.");
    EXPECT_EQ(reply.body.at("LastUpdateStatusReasonCode"), "Creating");
    EXPECT_EQ(reply.body.at("CodeSize"), new_zip.size());
    EXPECT_NE(reply.body.at("CodeSha256"), created.body.at("CodeSha256"));
    EXPECT_NE(reply.body.at("RevisionId"), active_revision);
    EXPECT_EQ(reply.body.at("FunctionArn"), std::string(kArnPrefix) + "f");

    // A second update while the first is in progress.
    const test::Reply second = call("UpdateFunctionCode", code_update("f", handler_zip("3")));
    EXPECT_EQ(second.status, 409);
    EXPECT_EQ(second.message(), kInProgress);

    executor_.run_all();
    const test::Reply after = get_configuration("f");
    EXPECT_EQ(after.body.at("LastUpdateStatus"), "Successful");
    EXPECT_FALSE(after.body.contains("LastUpdateStatusReason"));
    EXPECT_FALSE(after.body.contains("LastUpdateStatusReasonCode"));
    EXPECT_NE(after.body.at("RevisionId"), reply.body.at("RevisionId"));
    // The replaced package is gone; the new one is extracted.
    EXPECT_FALSE(code_store_->contains(hex_digest(old_zip)));
    EXPECT_TRUE(std::filesystem::exists(dir_.path() / "code" / hex_digest(new_zip) / "handler.py"));
}

TEST_F(Functions, UpdateCodeKeepsPackagesOtherFunctionsUse) {
    const std::string shared = handler_zip("1");
    create_active("f", shared);
    create_active("g", shared);
    call("UpdateFunctionCode", code_update("f", handler_zip("2")));
    executor_.run_all();
    EXPECT_TRUE(code_store_->contains(hex_digest(shared)));
}

TEST_F(Functions, UpdateCodeWithStaleRevisionIsPreconditionFailed) {
    create_active("f");
    const test::Reply reply =
        call("UpdateFunctionCode", code_update("f", handler_zip("2"), {{"RevisionId", "stale"}}));
    EXPECT_EQ(reply.status, 412);
    EXPECT_EQ(reply.body,
              nlohmann::json({{"Type", "User"},
                              {"message",
                               "The Revision Id provided does not match the latest Revision Id. "
                               "Call the GetFunction/GetAlias API to retrieve the latest Revision "
                               "Id"}}));
    const std::string current = get_configuration("f").body.at("RevisionId");
    EXPECT_EQ(
        call("UpdateFunctionCode", code_update("f", handler_zip("2"), {{"RevisionId", current}}))
            .status,
        200);
}

TEST_F(Functions, UpdateCodeDryRunChangesNothing) {
    const std::string old_zip = handler_zip("1");
    create_active("f", old_zip);
    const nlohmann::json before = get_configuration("f").body;
    const test::Reply reply =
        call("UpdateFunctionCode", code_update("f", handler_zip("2"), {{"DryRun", true}}));
    ASSERT_EQ(reply.status, 200) << reply.raw;
    EXPECT_EQ(reply.body.at("CodeSize"), handler_zip("2").size());
    EXPECT_EQ(get_configuration("f").body, before);
    EXPECT_FALSE(code_store_->contains(hex_digest(handler_zip("2"))));
    EXPECT_EQ(executor_.pending(), 0u);
}

TEST_F(Functions, UpdateCodeOfMissingFunctionIsNotFound) {
    const test::Reply reply = call("UpdateFunctionCode", code_update("nope", handler_zip("2")));
    EXPECT_EQ(reply.status, 404);
    EXPECT_EQ(reply.message(), std::string("Function not found: ") + kArnPrefix + "nope");
}

TEST_F(Functions, UpdateCodeOfAVersionIsRefused) {
    create_active("f");
    const test::Reply reply = call("UpdateFunctionCode", code_update("f:1", handler_zip("2")));
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(reply.header("X-Amzn-ErrorType"), "InvalidParameterValueException");
}

TEST_F(Functions, UpdateCodeOfAFailedFunctionRecovers) {
    const std::string zip = handler_zip("1");
    create("f", zip);
    std::filesystem::remove(code_store_->zip_path(hex_digest(zip)));
    executor_.run_all();
    ASSERT_EQ(get_configuration("f").body.at("State"), "Failed");
    ASSERT_EQ(call("UpdateFunctionCode", code_update("f", handler_zip("2"))).status, 200);
    executor_.run_all();
    const test::Reply reply = get_configuration("f");
    EXPECT_EQ(reply.body.at("State"), "Active");
    EXPECT_EQ(reply.body.at("LastUpdateStatus"), "Successful");
    EXPECT_FALSE(reply.body.contains("StateReason"));
}

// --- UpdateFunctionConfiguration --------------------------------------------------------------

test::Call configuration_update(const std::string& name, const nlohmann::json& body) {
    return {.path = {{"FunctionName", name}}, .body = body.dump()};
}

TEST_F(Functions, UpdateConfigurationMergesAndTransitions) {
    create_active("f");
    const test::Reply reply =
        call("UpdateFunctionConfiguration",
             configuration_update("f", {{"Description", "new"}, {"Timeout", 30}}));
    ASSERT_EQ(reply.status, 200) << reply.raw;
    EXPECT_EQ(reply.body.at("Description"), "new");
    EXPECT_EQ(reply.body.at("Timeout"), 30);
    EXPECT_EQ(reply.body.at("MemorySize"), 128);
    EXPECT_EQ(reply.body.at("Handler"), "handler.handler");
    EXPECT_EQ(reply.body.at("LastUpdateStatus"), "InProgress");

    const test::Reply second =
        call("UpdateFunctionConfiguration", configuration_update("f", {{"Timeout", 5}}));
    EXPECT_EQ(second.status, 409);
    EXPECT_EQ(second.message(), kInProgress);

    executor_.run_all();
    const test::Reply after = get_configuration("f");
    EXPECT_EQ(after.body.at("LastUpdateStatus"), "Successful");
    EXPECT_EQ(after.body.at("Description"), "new");
    EXPECT_EQ(after.body.at("Timeout"), 30);
}

TEST_F(Functions, UpdateConfigurationWhilePendingIsConflict) {
    create("f");
    const test::Reply reply =
        call("UpdateFunctionConfiguration", configuration_update("f", {{"Timeout", 5}}));
    EXPECT_EQ(reply.status, 409);
    EXPECT_EQ(reply.message(), kInProgress);
}

TEST_F(Functions, UpdateConfigurationWithStaleRevisionIsPreconditionFailed) {
    create_active("f");
    const test::Reply reply =
        call("UpdateFunctionConfiguration",
             configuration_update(
                 "f", {{"Timeout", 5}, {"RevisionId", "00000000-0000-4000-8000-000000000000"}}));
    EXPECT_EQ(reply.status, 412);
    EXPECT_EQ(get_configuration("f").body.at("Timeout"), 3);
}

TEST_F(Functions, UpdateConfigurationValidationLeavesFunctionUntouched) {
    create_active("f");
    const nlohmann::json before = get_configuration("f").body;
    const test::Reply reply =
        call("UpdateFunctionConfiguration", configuration_update("f", {{"Timeout", 901}}));
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(reply.header("X-Amzn-ErrorType"), "ValidationException");
    EXPECT_EQ(get_configuration("f").body, before);
}

TEST_F(Functions, ConcurrentUpdatesOnlyOneWins) {
    create_active("f");
    for (int round = 0; round < 5; ++round) {
        std::vector<int> statuses(4);
        std::vector<std::thread> threads;
        for (std::size_t i = 0; i < statuses.size(); ++i) {
            threads.emplace_back([&, i] {
                statuses[i] =
                    call("UpdateFunctionConfiguration",
                         configuration_update("f", {{"Timeout", 10 + static_cast<int>(i)}}))
                        .status;
            });
        }
        for (std::thread& thread : threads) {
            thread.join();
        }
        EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 200), 1);
        EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 409), 3);
        executor_.run_all();
    }
}

TEST_F(Functions, RestartResumesInProgressUpdates) {
    create_active("f");
    call("UpdateFunctionConfiguration", configuration_update("f", {{"Timeout", 9}}));
    reopen();
    EXPECT_EQ(get_configuration("f").body.at("LastUpdateStatus"), "InProgress");
    resume_transitions(*context_);
    executor_.run_all();
    EXPECT_EQ(get_configuration("f").body.at("LastUpdateStatus"), "Successful");
}

// --- DeleteFunction ---------------------------------------------------------------------------

TEST_F(Functions, DeleteAnswers204AndRemovesFunctionAndCode) {
    const std::string zip = handler_zip("1");
    create_active("f", zip);
    const test::Reply reply = call("DeleteFunction", {.path = {{"FunctionName", "f"}}});
    EXPECT_EQ(reply.status, 204);
    EXPECT_TRUE(reply.raw.empty());
    EXPECT_EQ(get_configuration("f").status, 404);
    EXPECT_FALSE(code_store_->contains(hex_digest(zip)));
    EXPECT_EQ(call("DeleteFunction", {.path = {{"FunctionName", "f"}}}).status, 404);
}

TEST_F(Functions, DeleteKeepsCodeOtherFunctionsUse) {
    const std::string zip = handler_zip("1");
    create_active("f", zip);
    create_active("g", zip);
    call("DeleteFunction", {.path = {{"FunctionName", "f"}}});
    EXPECT_TRUE(code_store_->contains(hex_digest(zip)));
}

TEST_F(Functions, DeleteLatestQualifierIsRefused) {
    create_active("f");
    const test::Reply reply = call(
        "DeleteFunction", {.path = {{"FunctionName", "f"}}, .query = {{"Qualifier", "$LATEST"}}});
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(
        reply.body,
        nlohmann::json(
            {{"Type", "User"},
             {"message", "$LATEST version cannot be deleted without deleting the function."}}));
    EXPECT_EQ(get_configuration("f").status, 200);
}

TEST_F(Functions, DeleteMissingVersionIsNotFoundWithQualifiedArn) {
    create_active("f");
    const test::Reply reply = call("DeleteFunction", {.path = {{"FunctionName", "f:3"}}});
    EXPECT_EQ(reply.status, 404);
    EXPECT_EQ(reply.message(), std::string("Function not found: ") + kArnPrefix + "f:3");
}

TEST_F(Functions, DeleteAliasIsRefused) {
    create_active("f");
    const test::Reply reply =
        call("DeleteFunction", {.path = {{"FunctionName", "f"}}, .query = {{"Qualifier", "live"}}});
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(reply.message(), "Deletion of aliases is not currently supported.");
}

}  // namespace
}  // namespace lambdahost::api
