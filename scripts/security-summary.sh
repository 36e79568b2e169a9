#!/usr/bin/env bash
# The security test summary: what the hostile-input tests tried and whether anything got through.
# Each such test writes one line per kind of input to {target}/security-summary/{test}.tsv
# (kind, how many were tried, how many got through, what getting through means); this script adds
# them up. scripts/test.sh empties the folder before the tests and runs this after them.
# Exit status 1 when something got through or no results were found.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${CARGO_TARGET_DIR:-target}/security-summary"
shopt -s nullglob
files=("$dir"/*.tsv)
if [ ${#files[@]} -eq 0 ]; then
  echo "security summary: no results in $dir (did the tests run?)"
  exit 1
fi
awk -F '\t' '
  NF >= 3 {
    kind = $1; tried[kind] += $2; through[kind] += $3; verb[kind] = (NF >= 4 ? $4 : "got through")
    if (!(kind in seen)) { seen[kind] = 1; order[++n] = kind }
  }
  END {
    bad = 0
    for (i = 1; i <= n; i++) {
      k = order[i]
      if (through[k] == 0) {
        printf "  %-50s %7d tried, none %s\n", k ":", tried[k], verb[k]
      } else {
        printf "  %-50s %7d tried, %d %s  <-- FAILED\n", k ":", tried[k], through[k], verb[k]
        bad = 1
      }
    }
    exit bad
  }' "${files[@]}"
