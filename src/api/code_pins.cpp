// SPDX-License-Identifier: Apache-2.0
// CodePins: see code_pins.hpp.
#include "api/code_pins.hpp"

#include <exception>
#include <utility>

#include <spdlog/spdlog.h>

#include "api/context.hpp"

namespace lambdahost::api {

CodePins::Pin::Pin(CodePins& pins, std::string sha256_hex)
    : pins_(pins), sha256_hex_(std::move(sha256_hex)) {
    const std::lock_guard lock(pins_.mutex_);
    ++pins_.pins_[sha256_hex_];
}

CodePins::Pin::~Pin() {
    pins_.release(sha256_hex_);
}

std::shared_ptr<const void> CodePins::hold(const std::string& sha256_hex) {
    {
        const std::lock_guard lock(mutex_);
        ++pins_[sha256_hex];
    }
    // The token's last owner may be an io thread: the release (disk I/O) goes to the blocking
    // pool. A token may outlive this object, even the executor (an io handler destroyed at
    // shutdown): once this object is gone, dropping it does nothing.
    const auto alive = std::weak_ptr<const int>(alive_);
    return {this, [this, sha256_hex, alive](const void*) {
                if (!alive.lock()) {
                    return;
                }
                executor_.post([this, sha256_hex, alive] {
                    if (alive.lock()) {
                        release(sha256_hex);
                    }
                });
            }};
}

void CodePins::release(const std::string& sha256_hex) {
    const std::lock_guard lock(mutex_);
    const auto it = pins_.find(sha256_hex);
    if (--it->second > 0) {
        return;
    }
    pins_.erase(it);
    try {
        remove_if_unused_locked(sha256_hex);
    } catch (const std::exception& error) {
        // A leftover package wastes disk space but breaks nothing: log and carry on.
        spdlog::warn("could not delete unused code package {}: {}", sha256_hex, error.what());
    }
}

CodePins::PinnedCode CodePins::put(std::string_view zip) {
    PinnedCode pinned{code_store_.put(zip), nullptr};
    pinned.pin = std::make_unique<Pin>(*this, pinned.code.sha256_hex);
    // A removal may have slipped in between put and pin; once pinned, none can.
    if (!code_store_.contains(pinned.code.sha256_hex)) {
        pinned.code = code_store_.put(zip);
    }
    return pinned;
}

void CodePins::remove_if_unused(const std::string& sha256_hex) {
    const std::lock_guard lock(mutex_);
    remove_if_unused_locked(sha256_hex);
}

void CodePins::remove_if_unused_locked(const std::string& sha256_hex) {
    if (pins_.contains(sha256_hex) || catalog_.code_in_use(sha256_hex)) {
        return;
    }
    code_store_.remove(sha256_hex);
}

}  // namespace lambdahost::api
