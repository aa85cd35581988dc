#!/usr/bin/env bash
# Runs every fuzz target for a bounded time, seeded from the project's own fixtures.
# Usage: fuzz/run.sh [SECONDS_PER_TARGET]   (default 30)
#        fuzz/run.sh --runs N              (N executions per target, fixed seed: what CI runs,
#                                           so a CI run is reproducible)
# Needs cargo-fuzz (`cargo install cargo-fuzz`); uses RUSTC_BOOTSTRAP=1 so the stable
# toolchain can build with the sanitizer flags cargo-fuzz passes.
set -euo pipefail
cd "$(dirname "$0")"
limit=(-max_total_time="${1:-30}")
if [ "${1:-}" = "--runs" ]; then
  limit=(-runs="${2:?--runs needs a number}" -seed=1)
fi
export RUSTC_BOOTSTRAP=1

seed() { # seed TARGET DIR...
  local target="$1"; shift
  mkdir -p "corpus/$target"
  for dir in "$@"; do
    [ -d "$dir" ] || continue
    find "$dir" -maxdepth 1 -type f -size -256k -exec cp -n {} "corpus/$target/" \;
  done
}
seed detect ../tests/fixtures/trivy ../tests/fixtures/zap ../tests/fixtures/sarif ../examples/reports
seed trivy ../tests/fixtures/trivy
seed zap ../tests/fixtures/zap
seed sarif ../tests/fixtures/sarif
seed policy ../examples ../tests/fixtures/policy

status=0
for target in detect trivy zap sarif policy; do
  echo "== fuzz $target (${limit[*]})"
  log="$(mktemp)"
  if ! cargo fuzz run "$target" "corpus/$target" -- \
      "${limit[@]}" -max_len=262144 -rss_limit_mb=4096 -timeout=10 2>"$log"; then
    status=1
    tail -n 40 "$log"
  fi
  grep -E "^(#[0-9]+: *DONE|Done [0-9]+ runs)" "$log" | tail -n 1 || true
  rm -f "$log"
done
exit "$status"
