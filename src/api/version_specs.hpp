// SPDX-License-Identifier: Apache-2.0
// VersionSpecs: the scheduler::FunctionVersionSpec of each function version, built once per
// revision and shared by every invoke of it, so the hot path copies a shared_ptr instead of a
// whole configuration. One entry per (scope, function name, version): a new revision replaces
// it, while the replaced one stays available until then as the version that is still being
// served (AWS keeps running the previous code and configuration while an update is in
// progress, facts §3.5).
// Threading: safe from any thread; every call is an in-memory lookup under a short lock, fit
// for the io threads.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

#include "api/code_pins.hpp"
#include "model/function.hpp"
#include "scheduler/invocation.hpp"
#include "store/code_store.hpp"

namespace lambdahost::api {

using VersionSpecPtr = std::shared_ptr<const scheduler::FunctionVersionSpec>;

class VersionSpecs {
public:
    /// `pins`: each spec made pins its package (CodePins::hold) while it lives; null: no pins.
    explicit VersionSpecs(CodePins* pins = nullptr) : pins_(pins) {}

    /// The spec of `config` (a version that is ready to run: its package is extracted), made
    /// when the entry is missing or of another revision. The code directory is computed, not
    /// looked up on disk.
    VersionSpecPtr current(const model::Scope& scope,
                           const model::FunctionConfig& config,
                           const store::CodeStore& code_store);

    /// The spec last made for this version, whatever its revision; nullptr if none.
    VersionSpecPtr last(const model::Scope& scope,
                        std::string_view function_name,
                        std::string_view version) const;

    /// Removes and returns the entry of this version (deleted, or superseded by an update);
    /// nullptr if none.
    VersionSpecPtr take(const model::Scope& scope,
                        std::string_view function_name,
                        std::string_view version);

private:
    using KeyView =
        std::tuple<std::string_view, std::string_view, std::string_view, std::string_view>;
    struct Key {
        std::string account;
        std::string region;
        std::string function_name;
        std::string version;
        KeyView view() const { return {account, region, function_name, version}; }
    };
    /// Orders keys and looks them up by KeyView, so a lookup allocates nothing.
    struct KeyLess {
        using is_transparent = void;
        static KeyView view(const Key& key) { return key.view(); }
        static const KeyView& view(const KeyView& key) { return key; }
        template <typename A, typename B>
        bool operator()(const A& a, const B& b) const {
            return view(a) < view(b);
        }
    };

    CodePins* const pins_;
    mutable std::mutex mutex_;
    std::map<Key, VersionSpecPtr, KeyLess> specs_;  // guarded by mutex_
};

}  // namespace lambdahost::api
