// SPDX-License-Identifier: Apache-2.0
// Function references and ARNs: parsing a name / partial ARN / full ARN against AWS's two
// function-name grammars (facts §3.8), resolving it in the caller's scope, and the tagging API's
// resource ARNs. The grammars' regexes are matched by hand over the ':'-separated tokens (no
// token's character class contains ':'), with the regex engine's preference for taking an
// optional group, so any input length is safe. Pure.
#include "model/arn.hpp"

#include <array>

#include <fmt/compile.h>
#include <fmt/format.h>

#include "model/constraints.hpp"

namespace lambdahost::model {

namespace {

namespace c = constraints;

bool is_lower(char ch) {
    return ch >= 'a' && ch <= 'z';
}

/// `[a-z]+-\d{1}` preceded by '-': the tail of a region ("-east-1").
bool is_region_tail(std::string_view text) {
    if (text.size() < 4 || text.front() != '-' || !c::is_ascii_digit(text.back()) ||
        text[text.size() - 2] != '-') {
        return false;
    }
    return c::all_of(text.substr(1, text.size() - 3), is_lower);
}

// AWS: the patterns quoted in ValidationException texts (facts §3.8, 2025 recordings).
constexpr std::string_view kCreateNamePattern =
    R"((arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?)";
constexpr std::string_view kNamespacedNamePattern =
    R"((arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?)";
constexpr std::string_view kQualifierPattern = R"(\$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+)";
// AWS: TaggableResource (Lambda API reference, TagResource/ListTags/UntagResource).
constexpr std::string_view kTaggableResourcePattern =
    R"re(arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:(function:[a-zA-Z0-9-_]+(:(\$LATEST|[a-zA-Z0-9-_]+))?|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|capacity-provider:[a-zA-Z0-9-_]+))re";

constexpr std::size_t kMaxPlainNameLength = 64;       // AWS: name-only form, CreateFunction
constexpr std::size_t kMaxCreateRefLength = 140;      // FunctionName shape
constexpr std::size_t kMaxNamespacedRefLength = 170;  // NamespacedFunctionName shape
constexpr std::size_t kMaxQualifierLength = 128;
constexpr std::size_t kMaxResourceArnLength = 256;
// The longest full ARN with qualifier: arn, partition, lambda, region, account, function,
// name, qualifier.
constexpr std::size_t kMaxRefTokens = 8;

constexpr std::string_view kFunctionNameMember = "functionName";

bool is_account(std::string_view text) {
    return c::exactly(text, 12, c::is_ascii_digit);
}

bool is_function_name(std::string_view text, NameGrammar grammar) {
    return c::all_of(text, [grammar](char ch) {
        return c::is_name_char(ch) || (grammar == NameGrammar::Namespaced && ch == '.');
    });
}

/// The qualifier group of a function name: `\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+`.
bool is_embedded_qualifier(std::string_view text, NameGrammar grammar) {
    return text == "$LATEST" ||
           (grammar == NameGrammar::Namespaced && text == "$LATEST.PUBLISHED") ||
           c::all_of(text, c::is_name_char);
}

/// Matches the ':'-tokens against the function-name grammar, trying each optional group
/// present before absent, in pattern order, like a backtracking regex engine does.
class RefMatcher {
public:
    RefMatcher(std::span<const std::string_view> tokens, NameGrammar grammar)
        : tokens_(tokens), grammar_(grammar) {}

    std::optional<FunctionRef> match() {
        if (tokens_.size() > kMaxRefTokens || !step(0, 0)) {
            return std::nullopt;
        }
        return ref_;
    }

private:
    enum Step { kArnPrefix, kRegion, kAccount, kFunctionKeyword, kName, kQualifier, kEnd };

    bool step(int index, std::size_t pos) {
        switch (index) {
            case kArnPrefix:
                if (pos + 3 <= tokens_.size() && tokens_[pos] == "arn" &&
                    (tokens_[pos + 1].empty() || c::is_partition(tokens_[pos + 1])) &&
                    tokens_[pos + 2] == "lambda" && step(kRegion, pos + 3)) {
                    return true;
                }
                return step(kRegion, pos);
            case kRegion:
                if (pos < tokens_.size() && is_region(tokens_[pos], true)) {
                    ref_.region = std::string(tokens_[pos]);
                    if (step(kAccount, pos + 1)) {
                        return true;
                    }
                    ref_.region.reset();
                }
                return step(kAccount, pos);
            case kAccount:
                if (pos < tokens_.size() && is_account(tokens_[pos])) {
                    ref_.account = std::string(tokens_[pos]);
                    if (step(kFunctionKeyword, pos + 1)) {
                        return true;
                    }
                    ref_.account.reset();
                }
                return step(kFunctionKeyword, pos);
            case kFunctionKeyword:
                if (pos < tokens_.size() && tokens_[pos] == "function" && step(kName, pos + 1)) {
                    return true;
                }
                return step(kName, pos);
            case kName:
                if (pos < tokens_.size() && is_function_name(tokens_[pos], grammar_)) {
                    ref_.name = std::string(tokens_[pos]);
                    return step(kQualifier, pos + 1);
                }
                return false;
            case kQualifier:
                if (pos < tokens_.size() && is_embedded_qualifier(tokens_[pos], grammar_)) {
                    ref_.qualifier = std::string(tokens_[pos]);
                    if (step(kEnd, pos + 1)) {
                        return true;
                    }
                    ref_.qualifier.reset();
                }
                return step(kEnd, pos);
            default:
                return pos == tokens_.size();
        }
    }

    std::span<const std::string_view> tokens_;
    NameGrammar grammar_;
    FunctionRef ref_;
};

std::optional<FunctionRef> match_function_ref(std::string_view text, NameGrammar grammar) {
    const auto tokens = c::split(text, ':');
    return RefMatcher(tokens, grammar).match();
}

errors::Violation name_violation(std::string_view text, std::string constraint) {
    return {std::string(text), std::string(kFunctionNameMember), std::move(constraint)};
}

void collect_qualifier_violations(std::string_view qualifier,
                                  std::vector<errors::Violation>& violations) {
    if (qualifier.size() > kMaxQualifierLength) {
        violations.push_back(
            {std::string(qualifier), "qualifier", c::max_length(kMaxQualifierLength)});
    }
    const bool matches =
        qualifier == "$LATEST" || qualifier == "$LATEST.PUBLISHED" ||
        c::all_of(qualifier, [](char ch) { return c::is_name_char(ch) || ch == '$'; });
    if (!matches) {
        violations.push_back({std::string(qualifier), "qualifier", c::pattern(kQualifierPattern)});
    }
}

/// An empty Qualifier query parameter counts as absent (the pattern admits "").
std::optional<std::string> effective_qualifier(const std::optional<std::string>& param) {
    if (param && !param->empty()) {
        return param;
    }
    return std::nullopt;
}

}  // namespace

/// `(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}`; the eusc prefix only where the
/// pattern has it (function names, not TaggableResource).
bool is_region(std::string_view text, bool allow_eusc) {
    if (allow_eusc && text.starts_with("eusc-")) {
        text.remove_prefix(5);
    }
    if (text.size() < 2 || !is_lower(text[0]) || !is_lower(text[1])) {
        return false;
    }
    const std::string_view rest = text.substr(2);
    // Each way the optional middle group can match; the regex backtracks over them.
    if (is_region_tail(rest)) {
        return true;
    }
    if (rest.starts_with("-gov") && is_region_tail(rest.substr(4))) {
        return true;
    }
    if (rest.starts_with("-iso")) {
        const std::string_view after_iso = rest.substr(4);
        return is_region_tail(after_iso) || (!after_iso.empty() && is_lower(after_iso[0]) &&
                                             is_region_tail(after_iso.substr(1)));
    }
    return false;
}

void collect_function_name_violations(std::string_view text,
                                      NameGrammar grammar,
                                      std::vector<errors::Violation>& violations) {
    const auto ref = match_function_ref(text, grammar);
    const std::string_view pattern =
        grammar == NameGrammar::Create ? kCreateNamePattern : kNamespacedNamePattern;
    const std::size_t max_length =
        grammar == NameGrammar::Create ? kMaxCreateRefLength : kMaxNamespacedRefLength;
    const bool plain_name = text.find(':') == std::string_view::npos;

    // AWS lists the length constraint before the pattern (facts §3.8).
    std::vector<errors::Violation> found;
    if (text.empty()) {
        found.push_back(name_violation(text, c::min_length(1)));
    }
    if (grammar == NameGrammar::Create && plain_name && text.size() > kMaxPlainNameLength) {
        found.push_back(name_violation(text, c::max_length(kMaxPlainNameLength)));
        if (!ref) {
            found.push_back(name_violation(text, c::pattern(pattern)));
        }
        // AWS: CreateFunction with an over-long plain name is an IPVE (facts §3.1).
        throw errors::invalid_parameter_violations(found);
    }
    if (text.size() > max_length) {
        found.push_back(name_violation(text, c::max_length(max_length)));
    } else if (grammar == NameGrammar::Create && ref && ref->name.size() > kMaxPlainNameLength) {
        // The name inside an ARN is held to the same 64 chars (lambdahost; AWS unrecorded).
        found.push_back(name_violation(text, c::max_length(kMaxPlainNameLength)));
    }
    if (!ref) {
        found.push_back(name_violation(text, c::pattern(pattern)));
    }
    violations.insert(violations.end(), found.begin(), found.end());
}

FunctionRef parse_function_ref(std::string_view text, NameGrammar grammar) {
    std::vector<errors::Violation> violations;
    collect_function_name_violations(text, grammar, violations);
    if (!violations.empty()) {
        throw errors::validation(violations);
    }
    return *match_function_ref(text, grammar);
}

ResolvedRef resolve(const FunctionRef& ref,
                    const Scope& caller,
                    const std::optional<std::string>& qualifier_param) {
    const auto param = effective_qualifier(qualifier_param);
    if (param) {
        std::vector<errors::Violation> violations;
        collect_qualifier_violations(*param, violations);
        if (!violations.empty()) {
            throw errors::validation(violations);
        }
        if (ref.qualifier && *ref.qualifier != *param) {
            throw errors::invalid_parameter(
                "The derived qualifier from the function name does not match the specified "
                "qualifier.");
        }
    }
    if (ref.region && *ref.region != caller.region) {
        throw errors::resource_not_found(
            fmt::format("Functions from '{}' are not reachable in this region ('{}')",
                        *ref.region,
                        caller.region));
    }
    ResolvedRef resolved{caller, ref.name, param ? param : ref.qualifier};
    if (ref.account && *ref.account != caller.account) {
        // Cross-account access needs resource policies, which lambdahost does not evaluate:
        // the function is simply not visible.
        const Scope foreign{*ref.account, caller.region};
        throw errors::function_not_found(
            resolved.qualifier ? qualified_function_arn(foreign, ref.name, *resolved.qualifier)
                               : function_arn(foreign, ref.name));
    }
    return resolved;
}

ResolvedRef resolve_function_ref(std::string_view text,
                                 NameGrammar grammar,
                                 const Scope& caller,
                                 const std::optional<std::string>& qualifier_param) {
    std::vector<errors::Violation> violations;
    collect_function_name_violations(text, grammar, violations);
    if (const auto param = effective_qualifier(qualifier_param)) {
        collect_qualifier_violations(*param, violations);
    }
    if (!violations.empty()) {
        throw errors::validation(violations);
    }
    return resolve(*match_function_ref(text, grammar), caller, qualifier_param);
}

std::string function_arn(const Scope& scope, std::string_view name) {
    return fmt::format(
        FMT_COMPILE("arn:aws:lambda:{}:{}:function:{}"), scope.region, scope.account, name);
}

std::string qualified_function_arn(const Scope& scope,
                                   std::string_view name,
                                   std::string_view qualifier) {
    return fmt::format(FMT_COMPILE("{}:{}"), function_arn(scope, name), qualifier);
}

namespace {

bool is_hex(char ch) {
    return c::is_ascii_digit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/// `[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`
bool is_uuid(std::string_view text) {
    constexpr std::array<std::size_t, 5> kGroups = {8, 4, 4, 4, 12};
    const auto groups = c::split(text, '-');
    if (groups.size() != kGroups.size()) {
        return false;
    }
    for (std::size_t i = 0; i < groups.size(); ++i) {
        if (!c::exactly(groups[i], kGroups[i], is_hex)) {
            return false;
        }
    }
    return true;
}

/// The resource part after "<account>:" of a TaggableResource ARN.
std::optional<ResourceArn> match_resource(std::span<const std::string_view> parts) {
    if (parts.empty()) {
        return std::nullopt;
    }
    ResourceArn arn;
    arn.resource_type = std::string(parts[0]);
    if (parts[0] == "function" && (parts.size() == 2 || parts.size() == 3) &&
        c::all_of(parts[1], c::is_name_char)) {
        arn.name = std::string(parts[1]);
        if (parts.size() == 3) {
            if (!is_embedded_qualifier(parts[2], NameGrammar::Create)) {
                return std::nullopt;
            }
            arn.qualifier = std::string(parts[2]);
        }
        return arn;
    }
    if (parts.size() != 2) {
        return std::nullopt;
    }
    arn.name = std::string(parts[1]);
    const bool valid =
        (parts[0] == "code-signing-config" && parts[1].starts_with("csc-") &&
         c::exactly(parts[1].substr(4),
                    17,
                    [](char ch) { return is_lower(ch) || c::is_ascii_digit(ch); })) ||
        (parts[0] == "event-source-mapping" && is_uuid(parts[1])) ||
        (parts[0] == "capacity-provider" && c::all_of(parts[1], c::is_name_char));
    return valid ? std::optional(arn) : std::nullopt;
}

std::optional<ResourceArn> match_resource_arn(std::string_view text) {
    const auto tokens = c::split(text, ':');
    if (tokens.size() < 7 || tokens[0] != "arn" || !c::is_partition(tokens[1]) ||
        tokens[2] != "lambda" || !is_region(tokens[3], false) || !is_account(tokens[4])) {
        return std::nullopt;
    }
    auto arn = match_resource(std::span(tokens).subspan(5));
    if (arn) {
        arn->scope = Scope{std::string(tokens[4]), std::string(tokens[3])};
    }
    return arn;
}

}  // namespace

ResourceArn parse_resource_arn(std::string_view arn) {
    const auto parsed = match_resource_arn(arn);
    std::vector<errors::Violation> violations;
    if (arn.empty()) {
        violations.push_back({std::string(arn), "resource", c::min_length(1)});
    }
    if (arn.size() > kMaxResourceArnLength) {
        violations.push_back({std::string(arn), "resource", c::max_length(kMaxResourceArnLength)});
    }
    if (!parsed) {
        violations.push_back({std::string(arn), "resource", c::pattern(kTaggableResourcePattern)});
    }
    if (!violations.empty()) {
        throw errors::validation(violations);
    }
    return *parsed;
}

}  // namespace lambdahost::model
