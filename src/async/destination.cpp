// SPDX-License-Identifier: Apache-2.0
// Destination ARNs (see destination.hpp).
#include "async/destination.hpp"

#include "model/arn.hpp"
#include "model/constraints.hpp"

namespace lambdahost::async {
namespace {

namespace c = model::constraints;

/// `aws[a-zA-Z0-9-]*`.
bool is_partition(std::string_view text) {
    if (!text.starts_with("aws")) {
        return false;
    }
    for (char ch : text.substr(3)) {
        if (!c::is_ascii_alnum(ch) && ch != '-') {
            return false;
        }
    }
    return true;
}

bool is_service(std::string_view text) {
    return c::all_of(text, [](char ch) { return c::is_ascii_alnum(ch) || ch == '-'; });
}

}  // namespace

std::optional<TargetArn> parse_target_arn(std::string_view text) {
    // Partition, service, region and account cannot hold ':', so the first five separators
    // delimit them exactly; the resource `(.*)` is the rest.
    std::string_view pieces[5];
    std::string_view rest = text;
    for (std::string_view& piece : pieces) {
        const std::size_t colon = rest.find(':');
        if (colon == std::string_view::npos) {
            return std::nullopt;
        }
        piece = rest.substr(0, colon);
        rest = rest.substr(colon + 1);
    }
    const auto& [arn, partition, service, region, account] = pieces;
    if (arn != "arn" || !is_partition(partition) || !is_service(service) ||
        (!region.empty() && !model::is_region(region, /*allow_eusc=*/false)) ||
        (!account.empty() && !c::exactly(account, 12, c::is_ascii_digit)) ||
        rest.find('\n') != std::string_view::npos) {
        return std::nullopt;
    }
    return TargetArn{std::string(partition),
                     std::string(service),
                     std::string(region),
                     std::string(account),
                     std::string(rest)};
}

bool matches_destination_pattern(std::string_view text) {
    return text.empty() || parse_target_arn(text).has_value();
}

bool is_supported_service(std::string_view service) {
    return service == "lambda" || service == "sqs" || service == "sns" || service == "events";
}

std::optional<FunctionTarget> function_target(const TargetArn& arn) {
    if (arn.service != "lambda") {
        return std::nullopt;
    }
    const auto parts = c::split(arn.resource, ':');
    if (parts.size() < 2 || parts.size() > 3 || parts[0] != "function" || parts[1].empty()) {
        return std::nullopt;
    }
    FunctionTarget target{std::string(parts[1]), std::nullopt};
    if (parts.size() == 3) {
        target.qualifier = std::string(parts[2]);
    }
    return target;
}

std::string queue_url(std::string_view endpoint, const TargetArn& arn) {
    std::string url(endpoint);
    while (!url.empty() && url.back() == '/') {
        url.pop_back();
    }
    return url + "/" + arn.account + "/" + arn.resource;
}

}  // namespace lambdahost::async
