// SPDX-License-Identifier: Apache-2.0
// Peak memory of a runtime process for the REPORT line's "Max Memory Used", read from procfs
// (VmHWM) until cgroups give a whole-environment figure. Thread-safe.
#pragma once

#include <sys/types.h>

namespace lambdahost::logs {

/// VmHWM of /proc/<pid>/status in MB (1 MB = 1024 kB), rounded up; 0 when unreadable (the
/// process has gone, or been reaped). Read it before reaping the process.
int max_memory_used_mb(pid_t pid);

}  // namespace lambdahost::logs
