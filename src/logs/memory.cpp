// SPDX-License-Identifier: Apache-2.0
#include "logs/memory.hpp"

#include <fstream>
#include <limits>
#include <string>

namespace lambdahost::logs {

int max_memory_used_mb(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string key;
    while (status >> key) {
        if (key == "VmHWM:") {
            long long kb = 0;
            if (!(status >> kb)) {
                return 0;
            }
            return static_cast<int>((kb + 1023) / 1024);
        }
        status.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
    }
    return 0;  // gone, a zombie (no Vm* lines), or unreadable
}

}  // namespace lambdahost::logs
