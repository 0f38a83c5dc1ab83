// SPDX-License-Identifier: Apache-2.0
// spdlog set-up for the server. The JSON format is an spdlog pattern whose message field comes
// from a custom flag that escapes the message as a JSON string, so a quote or newline in a log
// message cannot break the one-object-per-line framing.
#include "app/logging.hpp"

#include <memory>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace lambdahost::app {
namespace {

/// %* : the message as a quoted, escaped JSON string (invalid UTF-8 replaced, never thrown).
class JsonMessageFlag final : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg& msg,
                const std::tm& /*time*/,
                spdlog::memory_buf_t& dest) override {
        const std::string quoted =
            nlohmann::json(std::string(msg.payload.data(), msg.payload.size()))
                .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        dest.append(quoted.data(), quoted.data() + quoted.size());
    }

    std::unique_ptr<custom_flag_formatter> clone() const override {
        return std::make_unique<JsonMessageFlag>();
    }
};

}  // namespace

void configure_logging(std::string_view level, LogFormat format) {
    const spdlog::level::level_enum parsed = spdlog::level::from_str(std::string(level));
    // from_str answers "off" for anything it does not know.
    if (parsed == spdlog::level::off && level != "off") {
        throw std::invalid_argument("unknown log level: " + std::string(level));
    }
    auto logger = spdlog::stderr_color_mt("lambdahost");
    if (format == LogFormat::Json) {
        auto formatter =
            std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
        formatter->add_flag<JsonMessageFlag>('*').set_pattern(
            R"({"timestamp":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","message":%*})");
        logger->set_formatter(std::move(formatter));
    } else {
        logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%-5l%$ %v", spdlog::pattern_time_type::utc);
    }
    logger->set_level(parsed);
    logger->flush_on(spdlog::level::warn);
    spdlog::set_default_logger(std::move(logger));
}

}  // namespace lambdahost::app
