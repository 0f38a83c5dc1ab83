// SPDX-License-Identifier: Apache-2.0
// CodePins::hold and the specs that carry it: a package replaced or deleted while a spec of it
// lives (an environment runs it) stays on disk; it goes on the blocking pool once the last
// spec is dropped, and a release queued after the CodePins is gone does nothing.
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/api_fixture.hpp"
#include "api/version_specs.hpp"

namespace lambdahost::api {
namespace {

class CodePinsTest : public test::ApiTest {
protected:
    std::string code_of(const std::string& name) {
        return catalog_->find(scope_, name)->latest.code_sha256_hex;
    }
    /// What an invoke hands the scheduler for $LATEST of `name`.
    VersionSpecPtr spec_of(const std::string& name) {
        return context_->version_specs.current(
            scope_, catalog_->find(scope_, name)->latest, *code_store_);
    }

    const model::Scope scope_;
};

TEST_F(CodePinsTest, DeletedFunctionsPackageStaysWhileASpecOfItLives) {
    create_active("f");
    const std::string code = code_of("f");
    VersionSpecPtr running = spec_of("f");
    ASSERT_NE(running->code_pin, nullptr);
    EXPECT_EQ(call("DeleteFunction", {.path = {{"FunctionName", "f"}}}).status, 204);
    executor_.run_all();
    EXPECT_TRUE(code_store_->contains(code));

    running.reset();                           // its environments are gone
    EXPECT_TRUE(code_store_->contains(code));  // the deletion is queued, not done on this thread
    executor_.run_all();
    EXPECT_FALSE(code_store_->contains(code));
}

TEST_F(CodePinsTest, ReplacedPackageStaysUntilTheOldRevisionsSpecIsDropped) {
    create_active("f");
    const std::string old_code = code_of("f");
    VersionSpecPtr running = spec_of("f");
    const auto update = call(
        "UpdateFunctionCode",
        {.path = {{"FunctionName", "f"}},
         .body = nlohmann::json{{"ZipFile", util::base64_encode(test::handler_zip("2"))}}.dump()});
    ASSERT_EQ(update.status, 200) << update.raw;
    executor_.run_all();
    EXPECT_NE(code_of("f"), old_code);
    // The update replaced the version's spec: new invokes get the new revision.
    EXPECT_EQ(context_->version_specs.last(scope_, "f", "$LATEST")->config.code_sha256_hex,
              code_of("f"));
    EXPECT_TRUE(code_store_->contains(old_code));

    running.reset();
    executor_.run_all();
    EXPECT_FALSE(code_store_->contains(old_code));
    EXPECT_TRUE(code_store_->contains(code_of("f")));
}

TEST_F(CodePinsTest, APackageAnotherFunctionUsesStays) {
    create_active("a");
    create_active("b");  // the same package
    const std::string code = code_of("a");
    ASSERT_EQ(code_of("b"), code);
    VersionSpecPtr running = spec_of("a");
    call("DeleteFunction", {.path = {{"FunctionName", "a"}}});
    running.reset();
    executor_.run_all();
    EXPECT_TRUE(code_store_->contains(code));
}

TEST_F(CodePinsTest, AReleaseQueuedAfterTheContextIsGoneDoesNothing) {
    create_active("f");
    const std::string code = code_of("f");
    VersionSpecPtr running = spec_of("f");
    reopen();         // the old Context (and its CodePins) is destroyed
    running.reset();  // queues a release for the destroyed CodePins
    executor_.run_all();
    EXPECT_TRUE(code_store_->contains(code));
}

}  // namespace
}  // namespace lambdahost::api
