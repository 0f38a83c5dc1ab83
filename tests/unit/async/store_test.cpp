// SPDX-License-Identifier: Apache-2.0
// The async records in their database: lossless documents, the queue reloaded in enqueue order,
// the callback form of Database::submit, redrive batches, and the data directory lock.
#include "async/store.hpp"

#include <atomic>
#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace lambdahost::async {
namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

Event sample_event(std::string id, EpochMs enqueued_at) {
    Event event;
    event.id = std::move(id);
    event.scope = {"123456789012", "eu-west-1"};
    event.function_name = "f";
    event.qualifier = "live";
    event.invoked_arn = "arn:aws:lambda:eu-west-1:123456789012:function:f:live";
    event.payload = R"({"k":"v"})";
    event.client_context = R"({"custom":{}})";
    event.trace_id = "Root=1-00000000-000000000000000000000000";
    event.enqueued_at = enqueued_at;
    event.due_at = enqueued_at + 5;
    event.attempts = 2;
    event.system_failures = 1;
    event.last_result = AttemptResult{200, "Unhandled", "3", R"({"errorMessage":"x"})"};
    return event;
}

Delivery sample_delivery() {
    return Delivery{"d1",
                    "arn:aws:sqs:us-east-1:000000000000:q",
                    "DeadLetterConfig",
                    "{}",
                    {{"RequestID", {"String", "r"}}},
                    "arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST",
                    "r"};
}

class AsyncStoreTest : public ::testing::Test {
protected:
    test::TempDir dir_;
    store::Database db_{database_file(dir_.path())};
};

TEST_F(AsyncStoreTest, DocumentsRoundTrip) {
    const Event event = sample_event("e1", 10);
    EXPECT_EQ(event_from_document(to_document(event)), event);
    const Delivery delivery = sample_delivery();
    EXPECT_EQ(delivery_from_document(to_document(delivery)), delivery);
    const DeadLetter letter{"x", 42, "down", delivery, std::nullopt};
    EXPECT_EQ(dead_letter_from_document(to_document(letter)), letter);
    const DeadLetter lost_event{"y", 43, "Function not found", std::nullopt, event};
    EXPECT_EQ(dead_letter_from_document(to_document(lost_event)), lost_event);
    EXPECT_THAT([] { event_from_document("{}"); },
                ThrowsMessage<std::runtime_error>(HasSubstr("unreadable event document")));
}

TEST_F(AsyncStoreTest, QueueReloadsInEnqueueOrder) {
    db_.commit(
        {put(sample_event("zzz", 1)), put(sample_event("aaa", 3)), put(sample_event("mmm", 2))});
    std::vector<std::string> ids;
    for (const Event& event : load_events(db_)) {
        ids.push_back(event.id);
    }
    EXPECT_EQ(ids, (std::vector<std::string>{"zzz", "mmm", "aaa"}));
}

TEST_F(AsyncStoreTest, CallbackSubmitSettlesOnceDurable) {
    std::promise<std::exception_ptr> settled;
    db_.submit({put(sample_event("e1", 1))},
               [&settled](std::exception_ptr error) { settled.set_value(error); });
    EXPECT_EQ(settled.get_future().get(), nullptr);
    store::Database reopened(database_file(dir_.path()));
    EXPECT_EQ(load_events(reopened).size(), 1U);
}

TEST_F(AsyncStoreTest, ConcurrentCallbackSubmitsAllSettle) {
    constexpr int kSubmitters = 8;
    constexpr int kEach = 50;
    std::atomic<int> settled{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kSubmitters; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kEach; ++i) {
                db_.submit({put(sample_event(std::to_string(t * kEach + i), i))},
                           [&settled](std::exception_ptr error) {
                               if (!error) {
                                   ++settled;
                               }
                           });
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    db_.commit({});  // batches settle in order: every earlier callback has run
    EXPECT_EQ(settled.load(), kSubmitters * kEach);
    EXPECT_EQ(load_events(db_).size(), static_cast<std::size_t>(kSubmitters * kEach));
}

TEST_F(AsyncStoreTest, FailedBatchReportsItsError) {
    std::promise<std::exception_ptr> settled;
    // An empty kind violates the table's CHECK constraint: the transaction fails.
    db_.submit({store::Write{"", "k", "d"}},
               [&settled](std::exception_ptr error) { settled.set_value(error); });
    EXPECT_NE(settled.get_future().get(), nullptr);
}

TEST_F(AsyncStoreTest, RedriveOfADeliveryRestoresIt) {
    const DeadLetter letter{"x", 42, "down", sample_delivery(), std::nullopt};
    db_.commit({put(letter)});
    const Redriven next = redriven(letter, 1000);
    ASSERT_TRUE(next.delivery);
    EXPECT_EQ(*next.delivery, sample_delivery());
    db_.commit(redrive_batch(letter, next));
    EXPECT_TRUE(load_dead_letters(db_).empty());
    EXPECT_EQ(load_deliveries(db_), std::vector<Delivery>{sample_delivery()});
}

TEST_F(AsyncStoreTest, RedriveOfAnEventRestartsItsAgeAndKeepsItsAttempts) {
    const DeadLetter letter{"y", 42, "Function not found", std::nullopt, sample_event("e", 1)};
    db_.commit({put(letter)});
    const Redriven next = redriven(letter, 5000);
    ASSERT_TRUE(next.event);
    EXPECT_EQ(next.event->enqueued_at, 5000);
    EXPECT_EQ(next.event->due_at, 5000);
    EXPECT_EQ(next.event->attempts, 2);
    EXPECT_EQ(next.event->system_failures, 0);
    db_.commit(redrive_batch(letter, next));
    EXPECT_FALSE(find_dead_letter(db_, "y"));
    EXPECT_EQ(load_events(db_).size(), 1U);
}

TEST_F(AsyncStoreTest, DeadLettersListOldestFirst) {
    db_.commit({put(DeadLetter{"b", 2, "e", sample_delivery(), std::nullopt}),
                put(DeadLetter{"a", 3, "e", sample_delivery(), std::nullopt}),
                put(DeadLetter{"c", 1, "e", sample_delivery(), std::nullopt})});
    std::vector<std::string> ids;
    for (const DeadLetter& letter : load_dead_letters(db_)) {
        ids.push_back(letter.id);
    }
    EXPECT_EQ(ids, (std::vector<std::string>{"c", "b", "a"}));
}

TEST_F(AsyncStoreTest, DescribeShowsTheMessageOnlyWhenAsked) {
    const DeadLetter letter{"x", 0, "down", sample_delivery(), std::nullopt};
    const auto summary = describe(letter, false);
    EXPECT_EQ(summary["Id"], "x");
    EXPECT_EQ(summary["FailedAt"], "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(summary["Target"], "arn:aws:sqs:us-east-1:000000000000:q");
    EXPECT_EQ(summary["Origin"], "DeadLetterConfig");
    EXPECT_FALSE(summary.contains("Body"));
    const auto full = describe(letter, true);
    EXPECT_EQ(full["Body"], "{}");
    EXPECT_EQ(full["Attributes"]["RequestID"]["StringValue"], "r");
}

TEST_F(AsyncStoreTest, DataDirLockIsExclusive) {
    {
        const DataDirLock held(dir_.path(), "held");
        EXPECT_THAT([this] { DataDirLock second(dir_.path(), "a server runs"); },
                    ThrowsMessage<std::runtime_error>(HasSubstr("a server runs")));
    }
    EXPECT_NO_THROW(DataDirLock again(dir_.path(), "free"));
}

}  // namespace
}  // namespace lambdahost::async
