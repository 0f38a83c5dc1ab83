// SPDX-License-Identifier: Apache-2.0
// Lookups over the runtime and reserved-variable tables of runtimes.hpp.
#include "model/runtimes.hpp"

#include <algorithm>

namespace lambdahost::model {

namespace {

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& table, std::string_view value) {
    return std::find(table.begin(), table.end(), value) != table.end();
}

}  // namespace

bool is_supported_runtime(std::string_view runtime) {
    return contains(kSupportedRuntimes, runtime);
}

bool is_deprecated_runtime(std::string_view runtime) {
    return contains(kDeprecatedRuntimes, runtime);
}

bool is_reserved_environment_key(std::string_view key) {
    return contains(kReservedEnvironmentKeys, key);
}

}  // namespace lambdahost::model
