// SPDX-License-Identifier: Apache-2.0
// Golden tests for the START / END / REPORT lines (facts §3.5), the log stream name and the tail.
#include "logs/lines.hpp"

#include <chrono>
#include <regex>
#include <string>

#include <gtest/gtest.h>

namespace lambdahost::logs {
namespace {

constexpr char kId[] = "8476a536-e9f4-11e8-9739-2dfe598c3fcd";

TEST(Lines, Start) {
    EXPECT_EQ(start_line(kId, "$LATEST"),
              "START RequestId: 8476a536-e9f4-11e8-9739-2dfe598c3fcd Version: $LATEST\n");
}

TEST(Lines, End) {
    EXPECT_EQ(end_line(kId), "END RequestId: 8476a536-e9f4-11e8-9739-2dfe598c3fcd\n");
}

TEST(Lines, ReportColdStartMatchesAws) {
    const ReportFields fields{kId, 3.01, 128, 36, 110.1};
    EXPECT_EQ(report_line(fields),
              "REPORT RequestId: 8476a536-e9f4-11e8-9739-2dfe598c3fcd\tDuration: 3.01 ms\t"
              "Billed Duration: 4 ms\tMemory Size: 128 MB\tMax Memory Used: 36 MB\t"
              "Init Duration: 110.10 ms\t\n");
}

TEST(Lines, ReportWarmHasNoInitDuration) {
    const ReportFields fields{kId, 12.5, 1024, 80, std::nullopt};
    EXPECT_EQ(report_line(fields),
              "REPORT RequestId: 8476a536-e9f4-11e8-9739-2dfe598c3fcd\tDuration: 12.50 ms\t"
              "Billed Duration: 13 ms\tMemory Size: 1024 MB\tMax Memory Used: 80 MB\t\n");
}

TEST(Lines, ReportOfAPlatformErrorEndsWithItsStatus) {
    // AWS: an OOM kill's REPORT says "Status: error ErrorType: Runtime.OutOfMemory" (facts §3.5).
    const ReportFields fields{kId, 12.5, 128, 128, std::nullopt};
    EXPECT_EQ(report_line(fields, "Runtime.OutOfMemory"),
              "REPORT RequestId: 8476a536-e9f4-11e8-9739-2dfe598c3fcd\tDuration: 12.50 ms\t"
              "Billed Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 128 MB\t"
              "Status: error\tErrorType: Runtime.OutOfMemory\t\n");
}

TEST(Lines, BilledDurationRoundsUpToAWholeMillisecond) {
    const auto billed = [](double duration) {
        const std::string line = report_line({kId, duration, 128, 1, std::nullopt});
        const auto start = line.find("Billed Duration: ") + 17;
        return line.substr(start, line.find(" ms", start) - start);
    };
    EXPECT_EQ(billed(3.0), "3");
    EXPECT_EQ(billed(3.001), "4");
    EXPECT_EQ(billed(0.2), "1");
    EXPECT_EQ(billed(0.0), "1");  // never bills 0 ms
    EXPECT_EQ(billed(999.999), "1000");
}

TEST(Lines, DurationHasTwoDecimals) {
    EXPECT_NE(report_line({kId, 0.004, 128, 1, std::nullopt}).find("\tDuration: 0.00 ms\t"),
              std::string::npos);
    EXPECT_NE(report_line({kId, 1.235, 128, 1, 7.0}).find("\tInit Duration: 7.00 ms\t"),
              std::string::npos);
}

TEST(Lines, LogStreamNameFormat) {
    using namespace std::chrono;
    const util::SystemTime when = sys_days{2025y / November / 4} + 23h + 59min;
    const std::string name = log_stream_name(when, "$LATEST");
    EXPECT_TRUE(std::regex_match(name, std::regex(R"(2025/11/04/\[\$LATEST\][0-9a-f]{32})")))
        << name;
    EXPECT_NE(log_stream_name(when, "$LATEST"), name);  // random part differs
    EXPECT_EQ(log_stream_name(when, "7").rfind("2025/11/04/[7]", 0), 0u);
}

TEST(Lines, TailKeepsTheLastBytes) {
    EXPECT_EQ(tail("short"), "short");
    EXPECT_EQ(tail("", 4), "");
    EXPECT_EQ(tail("abcdef", 4), "cdef");
    const std::string big = std::string(5000, 'a') + std::string(4096, 'b');
    EXPECT_EQ(tail(big), std::string(4096, 'b'));
    EXPECT_EQ(tail(big).size(), kTailBytes);
}

TEST(Lines, TailStartsOnAUtf8Character) {
    // "é" is C3 A9, "€" E2 82 AC: a cut through either drops its continuation bytes.
    EXPECT_EQ(tail("xé", 1), "");
    EXPECT_EQ(tail("xéz", 2), "z");
    EXPECT_EQ(tail("x€z", 3), "z");
    EXPECT_EQ(tail("x€z", 4), "€z");
    EXPECT_EQ(tail("x\x80\x80\x80\x80"
                   "ab",
                   6),
              "\x80"
              "ab");  // not UTF-8: at most 3 bytes go
}

}  // namespace
}  // namespace lambdahost::logs
