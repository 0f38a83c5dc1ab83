// SPDX-License-Identifier: Apache-2.0
// How an environment's runtime process is started: the command of each runtime id from
// runtimes/runtimes.json (loaded once), and the whole process environment of engine.md's
// contract (facts §3.10). Nothing is inherited from the server. Pure apart from load().
// Threading: a loaded RuntimeTable is immutable and shared by every thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/process.hpp"
#include "scheduler/invocation.hpp"

namespace lambdahost::scheduler {

/// runtimes.json: runtime id -> command as written; make_process_spec substitutes ${RUNTIMES_DIR}
/// and ${LAMBDA_TASK_ROOT} per spawn (inside a namespace sandbox the runtimes dir has another
/// path).
class RuntimeTable {
public:
    /// Reads <runtimes_dir>/runtimes.json; throws std::runtime_error naming the file.
    static RuntimeTable load(const std::filesystem::path& runtimes_dir);

    /// The command of `runtime` (still holding the variables); null when unknown.
    const std::vector<std::string>* command(std::string_view runtime) const;

private:
    std::map<std::string, std::vector<std::string>, std::less<>> commands_;
};

/// What differs between runtime processes besides the function.
struct LaunchContext {
    std::filesystem::path runtimes_dir;
    std::string endpoint_url;       // AWS_ENDPOINT_URL
    std::filesystem::path tmp_dir;  // TMPDIR as the function sees it, private to the environment
    std::uint16_t runtime_api_port = 0;
    std::string log_stream_name;
    /// AWS_LAMBDA_INITIALIZATION_TYPE: provisioned-concurrency instead of on-demand.
    bool provisioned = false;
    /// LAMBDA_TASK_ROOT and the working directory as the function sees them: /var/task in a
    /// namespace sandbox, the code dir otherwise; empty: the code dir.
    std::filesystem::path task_root;
};

/// argv (placeholders substituted), environment and cwd (the task root) of a runtime process.
sandbox::ProcessSpec make_process_spec(const FunctionVersionSpec& spec,
                                       const std::vector<std::string>& command,
                                       const LaunchContext& context);

}  // namespace lambdahost::scheduler
