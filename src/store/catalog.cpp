// SPDX-License-Identifier: Apache-2.0
// Catalog: functions in a std::map keyed by (scope, name), persisted as Database records of kind
// "function" keyed "<account>/<region>/<name>" holding model::to_document. Every member takes
// mutex_; update() holds it only to compute, queue and publish a mutation, never while waiting
// for the commit.
#include "store/catalog.hpp"

#include <future>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "model/function_json.hpp"

namespace lambdahost::store {
namespace {

constexpr std::string_view kKind = "function";

std::string record_key(const model::Scope& scope, std::string_view name) {
    return fmt::format("{}/{}/{}", scope.account, scope.region, name);
}

// Inverse of record_key. Function names never contain '/', so the first two split the key.
std::pair<model::Scope, std::string> parse_record_key(const std::string& key) {
    const auto first = key.find('/');
    const auto second = first == std::string::npos ? first : key.find('/', first + 1);
    if (second == std::string::npos) {
        throw std::runtime_error(fmt::format("function record '{}': malformed key", key));
    }
    return {model::Scope{key.substr(0, first), key.substr(first + 1, second - first - 1)},
            key.substr(second + 1)};
}

FunctionPtr decode(const std::string& key, std::string_view document) {
    try {
        return std::make_shared<const model::Function>(model::from_document(document));
    } catch (const std::exception& error) {
        throw std::runtime_error(fmt::format("function record '{}': {}", key, error.what()));
    }
}

}  // namespace

Catalog::Catalog(Database& db) : db_(db) {
    for (const Record& record : db_.load(std::string(kKind))) {
        functions_.emplace(parse_record_key(record.key), decode(record.key, record.document));
    }
}

FunctionPtr Catalog::find(const model::Scope& scope, std::string_view name) const {
    std::lock_guard lock(mutex_);
    const auto it = functions_.find(Key{scope, std::string(name)});
    return it == functions_.end() ? nullptr : it->second;
}

std::vector<FunctionPtr> Catalog::list(const model::Scope& scope) const {
    std::lock_guard lock(mutex_);
    std::vector<FunctionPtr> result;
    for (auto it = functions_.lower_bound(Key{scope, ""});
         it != functions_.end() && it->first.first == scope;
         ++it) {
        result.push_back(it->second);
    }
    return result;
}

std::vector<std::pair<model::Scope, FunctionPtr>> Catalog::all() const {
    std::lock_guard lock(mutex_);
    std::vector<std::pair<model::Scope, FunctionPtr>> result;
    result.reserve(functions_.size());
    for (const auto& [key, function] : functions_) {
        result.emplace_back(key.first, function);
    }
    return result;
}

FunctionPtr Catalog::update(const model::Scope& scope,
                            std::string_view name,
                            const Mutation& mutate) {
    const Key key{scope, std::string(name)};
    FunctionPtr stored;
    std::future<void> durable;
    {
        std::lock_guard lock(mutex_);
        const auto it = functions_.find(key);
        const model::Function* current = it == functions_.end() ? nullptr : it->second.get();
        stored = mutate(current);
        if (!stored && !current) {
            return nullptr;  // erasing an absent function: nothing to write
        }
        std::optional<std::string> document;
        if (stored) {
            document = model::to_document(*stored);
        }
        // Queued under the lock, so the Database applies mutations in the order memory saw them.
        durable =
            db_.submit({Write{std::string(kKind), record_key(scope, name), std::move(document)}});
        ++in_flight_[key].writes;
        if (stored) {
            functions_.insert_or_assign(key, stored);
        } else {
            functions_.erase(key);
        }
    }

    std::exception_ptr failure;
    try {
        durable.get();
    } catch (...) {
        failure = std::current_exception();
    }
    {
        std::lock_guard lock(mutex_);
        const auto flight = in_flight_.find(key);
        flight->second.failed = flight->second.failed || failure != nullptr;
        // Later writes of this key were computed from the failed value, and may or may not have
        // committed: only when all have settled does the Database hold the final answer.
        if (--flight->second.writes == 0) {
            const bool failed = flight->second.failed;
            in_flight_.erase(flight);
            if (failed) {
                resync(key);
            }
        }
    }
    if (failure) {
        std::rethrow_exception(failure);
    }
    return stored;
}

void Catalog::resync(const Key& key) {
    // Reads under the lock: this is the rare failure path, and readers must not see the value
    // that failed to commit once it is known to be gone.
    const std::string id = record_key(key.first, key.second);
    try {
        if (const auto document = db_.get(std::string(kKind), id)) {
            functions_.insert_or_assign(key, decode(id, *document));
        } else {
            functions_.erase(key);
        }
    } catch (const std::exception&) {
        // The Database cannot be read either; the caller still gets the commit's error. Memory
        // keeps the unconfirmed value until the next successful write of this function, which
        // stores the whole document and so brings disk and memory together again.
    }
}

Catalog::Usage Catalog::usage(const model::Scope& scope) const {
    // A scan of the scope: fine for the few thousand functions one server holds.
    Usage usage;
    for (const FunctionPtr& function : list(scope)) {
        ++usage.function_count;
        usage.total_code_size += function->latest.code_size;
        for (const auto& [number, version] : function->versions) {
            usage.total_code_size += version.code_size;
        }
    }
    return usage;
}

bool Catalog::code_in_use(const std::string& sha256_hex) const {
    // A scan of every function: fine at this scale and only run when code is replaced or deleted.
    std::lock_guard lock(mutex_);
    for (const auto& [key, function] : functions_) {
        if (function->latest.code_sha256_hex == sha256_hex) {
            return true;
        }
        for (const auto& [number, version] : function->versions) {
            if (version.code_sha256_hex == sha256_hex) {
                return true;
            }
        }
    }
    return false;
}

}  // namespace lambdahost::store
