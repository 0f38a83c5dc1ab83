// SPDX-License-Identifier: Apache-2.0
// VersionSpecs: see version_specs.hpp. The spec is built outside the lock; two invokes racing on
// a new revision may both build one, and the first stored wins.
#include "api/version_specs.hpp"

namespace lambdahost::api {

VersionSpecPtr VersionSpecs::current(const model::Scope& scope,
                                     const model::FunctionConfig& config,
                                     const store::CodeStore& code_store) {
    const KeyView key{scope.account, scope.region, config.function_name, config.version};
    {
        std::lock_guard lock(mutex_);
        const auto it = specs_.find(key);
        if (it != specs_.end() && it->second->config.revision_id == config.revision_id) {
            return it->second;
        }
    }
    auto spec = std::make_shared<const scheduler::FunctionVersionSpec>(
        scheduler::FunctionVersionSpec{scope,
                                       config,
                                       code_store.extracted_path(config.code_sha256_hex),
                                       pins_ ? pins_->hold(config.code_sha256_hex) : nullptr});
    std::lock_guard lock(mutex_);
    auto [it, inserted] = specs_.try_emplace(
        Key{scope.account, scope.region, config.function_name, config.version}, spec);
    if (!inserted && it->second->config.revision_id != config.revision_id) {
        it->second = std::move(spec);
    }
    return it->second;
}

VersionSpecPtr VersionSpecs::take(const model::Scope& scope,
                                  std::string_view function_name,
                                  std::string_view version) {
    std::lock_guard lock(mutex_);
    const auto it = specs_.find(KeyView{scope.account, scope.region, function_name, version});
    if (it == specs_.end()) {
        return nullptr;
    }
    VersionSpecPtr spec = std::move(it->second);
    specs_.erase(it);
    return spec;
}

VersionSpecPtr VersionSpecs::last(const model::Scope& scope,
                                  std::string_view function_name,
                                  std::string_view version) const {
    std::lock_guard lock(mutex_);
    const auto it = specs_.find(KeyView{scope.account, scope.region, function_name, version});
    return it == specs_.end() ? nullptr : it->second;
}

}  // namespace lambdahost::api
