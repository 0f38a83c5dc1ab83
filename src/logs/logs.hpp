// SPDX-License-Identifier: Apache-2.0
// The logs module in one include: log lines and tail (lines.hpp), one invocation's bounded log
// (invocation_log.hpp), peak memory (memory.hpp) and
// the per-function log files (log_store.hpp, log_follower.hpp).
#pragma once

#include "logs/invocation_log.hpp"
#include "logs/lines.hpp"
#include "logs/log_follower.hpp"
#include "logs/log_store.hpp"
#include "logs/memory.hpp"
