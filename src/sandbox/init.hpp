// SPDX-License-Identifier: Apache-2.0
// The sandbox init: `lambdahost __sandbox-init <config-fd> <error-fd> <status-fd>`, exec'd by
// Process::spawn's child as pid 1 of new mount, pid and IPC namespaces. It builds the
// environment's root (read-only /usr, /bin, /lib*, /etc; the code at /var/task; the runtimes
// dir at its own path; /tmp; an empty /opt; a fresh /proc; a minimal /dev), pivot_roots into
// it, forks the runtime as the unprivileged user and reaps every process of the namespace
// until the runtime exits. Then it reports the runtime's wait status on <status-fd> and exits,
// which tears the pid namespace down with everything left in it.
// The runtime's argv, env and the mounts come in a memfd (<config-fd>): the init itself runs
// with an empty environment, so nothing a function configures (LD_PRELOAD...) reaches a
// process running as root. Failures are reported on <error-fd> like the spawn child's own.
// Threading: the init is a fresh single-threaded process.
#pragma once

#include <string>
#include <string_view>

#include "sandbox/process.hpp"

namespace lambdahost::sandbox {

/// argv[1] of the init mode of the lambdahost binary (hidden from --help).
inline constexpr std::string_view kInitCommand = "__sandbox-init";

/// Runs the init; `argv` as main() got it. Returns only on a usage error (exit code 2).
int run_sandbox_init(int argc, char** argv);

/// The memfd contents the init reads: the runtime's command and the sandbox layout.
std::string encode_init_config(const ProcessSpec& runtime, const Namespaces& namespaces);

// The report a child that failed to start sends its parent on the error pipe (internal to
// process.cpp and init.cpp).
enum class ChildStep : int {
    kSetpgid,
    kPdeathsig,
    kParentGone,
    kSignals,
    kStdio,
    kCloseFds,
    kChdir,
    kExec,
    kCgroup,
    kRlimits,
    kSandbox,  // the init could not build the sandbox (its stderr says which step)
    kUser,
};

struct ChildFailure {
    ChildStep step;
    int error;
};

const char* step_name(ChildStep step);

}  // namespace lambdahost::sandbox
