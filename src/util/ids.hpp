// SPDX-License-Identifier: Apache-2.0
// Random identifiers: RevisionId and request ids are UUID4s as on AWS. Thread-safe.
#pragma once

#include <string>

namespace lambdahost::util {

/// A random UUID version 4 in canonical lower-case form (36 chars).
std::string uuid4();

}  // namespace lambdahost::util
