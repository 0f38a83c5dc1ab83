#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every source file, script and test carries an SPDX license line in its first lines.
set -euo pipefail
cd "$(dirname "$0")/../.."
missing=0
while IFS= read -r f; do
  if ! head -n 3 "$f" | grep -q 'SPDX-License-Identifier: Apache-2.0'; then
    echo "missing SPDX header: $f"
    missing=1
  fi
done < <(git ls-files -co --exclude-standard -- '*.cpp' '*.hpp' '*.py' 'scripts/*' '.ci/run' \
           'CMakeLists.txt' '*/CMakeLists.txt')
exit "$missing"
