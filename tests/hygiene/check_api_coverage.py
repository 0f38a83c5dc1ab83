# SPDX-License-Identifier: Apache-2.0
"""Every operation of the AWS service model is routed (src/api/operations.cpp) and has a row in
docs/api-coverage.md, so neither can silently fall behind the API."""
import json
import pathlib
import re
import sys

MODEL = pathlib.Path("/usr/lib/python3/dist-packages/botocore/data/lambda/2015-03-31/service-2.json")
ROOT = pathlib.Path(__file__).resolve().parents[2]


def main() -> int:
    operations = sorted(json.loads(MODEL.read_text())["operations"])
    table = (ROOT / "src/api/operations.cpp").read_text()
    coverage = (ROOT / "docs/api-coverage.md").read_text()
    rows = set(re.findall(r"^\|\s*`?([A-Za-z0-9]+)`?\s*\|", coverage, re.MULTILINE))
    problems = [f"not routed in src/api/operations.cpp: {op}"
                for op in operations if f'"{op}"' not in table]
    problems += [f"no row in docs/api-coverage.md: {op}" for op in operations if op not in rows]
    print("\n".join(problems) or f"{len(operations)} operations routed and documented")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
