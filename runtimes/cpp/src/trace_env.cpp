// SPDX-License-Identifier: Apache-2.0
#include "trace_env.hpp"

#include <algorithm>
#include <cstdlib>
#include <string_view>
#include <utility>

namespace lambdahost::runtime::detail {

void set_trace_id_variable(const std::string& trace_id) {
    static constexpr std::string_view kName = "_X_AMZN_TRACE_ID=";
    static std::string entry;  // "_X_AMZN_TRACE_ID=<id>", once put in the environment
    const char* current = ::getenv("_X_AMZN_TRACE_ID");
    if (trace_id.empty()) {
        if (current != nullptr) {
            ::unsetenv("_X_AMZN_TRACE_ID");
        }
        return;
    }
    // Ours unless the handler set the variable itself (or nothing is set).
    const bool ours = !entry.empty() && current == entry.data() + kName.size();
    if (ours && kName.size() + trace_id.size() <= entry.capacity()) {
        entry.replace(kName.size(), std::string::npos, trace_id);  // in place: same buffer
        return;
    }
    std::string fresh;
    fresh.reserve(std::max<std::size_t>(kName.size() + trace_id.size(), 256));
    fresh.append(kName).append(trace_id);
    ::putenv(fresh.data());    // the environment points at fresh's buffer from here on
    entry = std::move(fresh);  // takes that buffer over (and frees the old one, now unused)
}

}  // namespace lambdahost::runtime::detail
