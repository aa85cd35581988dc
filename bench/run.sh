#!/usr/bin/env bash
# scangate's performance benchmark (issue 7): builds scangate, the parsing floor and the report
# generator in release mode, generates large realistic reports (deterministic by seed), and
# prints per file: size, scangate wall time and peak RSS, floor wall time and the ratio, plus
# the many-inputs and small-input cases, each against its target (PASS / MISS).
#
# Usage: bench/run.sh [--full] [--runs N] [--cases LIST] [--seed N]
#   --full        the sizes of issue 7 (666 MB-class SARIF with 10^6 results, ~900 MB Trivy
#                 with 300k findings, 28 MB ZAP, 40 x 30 MB SARIF); default: modest sizes that
#                 finish in a few minutes on 2 cores
#   --runs N      timed runs per measurement, in rounds (each command once a round, in
#                 turn); medians are reported (default 3)
#   --cases LIST  comma-separated subset of: sarif,trivy,zap,parallel,small (default: all)
#   --seed N      generator seed (default 1)
#
# Generated reports are cached in target/bench-data/<generator hash>/ (gitignored); a changed
# generator regenerates them. Exits 0 whatever the figures say (it is a measurement); non-zero
# only when a build or the generator fails.
# The measuring functions are called by name through `rounds`, which shellcheck cannot see.
# shellcheck disable=SC2317
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
FULL=0
RUNS=3
CASES="sarif,trivy,zap,parallel,small"
SEED=1

die() {
    echo "bench: $*" >&2
    exit 1
}

while [ $# -gt 0 ]; do
    case "$1" in
        --full) FULL=1 ;;
        --runs) RUNS=${2:?--runs needs a number}; shift ;;
        --cases) CASES=${2:?--cases needs a list}; shift ;;
        --seed) SEED=${2:?--seed needs a number}; shift ;;
        -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) die "unknown argument: $1 (see --help)" ;;
    esac
    shift
done
case "$RUNS" in '' | *[!0-9]* | 0) die "--runs needs a positive number" ;; esac

want() { [[ ",$CASES," == *",$1,"* ]]; }

if [ "$FULL" = 1 ]; then
    MODE=full
    SARIF_LARGE="--count 1000000"
    TRIVY_LARGE="--count 300000"
    ZAP_LARGE="--bytes 28M"
    PARALLEL_EACH="--bytes 30M"
else
    MODE=modest
    SARIF_LARGE="--count 300000"
    TRIVY_LARGE="--count 80000"
    ZAP_LARGE="--bytes 30M"
    PARALLEL_EACH="--bytes 5M"
fi
PARALLEL_FILES=40
SMALL="--bytes 2M"

# --- build -------------------------------------------------------------------------------
TOOLS_TARGET="$ROOT/target/bench-tools"
echo "== building (release): scangate, bench/floor, bench/gen"
(cd "$ROOT" && cargo build --release --locked --quiet) || die "cargo build of scangate failed"
for pkg in floor gen; do
    cargo build --release --locked --quiet --manifest-path "$ROOT/bench/$pkg/Cargo.toml" \
        --target-dir "$TOOLS_TARGET" || die "cargo build of bench/$pkg failed"
done
SCANGATE="$ROOT/target/release/scangate"
FLOOR="$TOOLS_TARGET/release/scangate-bench-floor"
MEASURE="$TOOLS_TARGET/release/scangate-bench-measure"
GEN="$TOOLS_TARGET/release/scangate-bench-gen"

# --- data --------------------------------------------------------------------------------
GEN_HASH=$(sha256sum "$GEN" | cut -c1-12)
DATA_ROOT="$ROOT/target/bench-data"
DATA="$DATA_ROOT/gen-$GEN_HASH"
mkdir -p "$DATA"
# Reports of an older generator are stale: remove them (they can be gigabytes).
for old in "$DATA_ROOT"/gen-*; do
    [ "$old" != "$DATA" ] && [ -d "$old" ] && rm -rf -- "$old"
done
WORK=$(mktemp -d "$DATA_ROOT/run.XXXXXX")
trap 'rm -rf -- "$WORK"' EXIT

# gen FORMAT NAME SEED ARGS...: generates $DATA/NAME unless cached; sets GENERATED to its path.
gen() {
    local format=$1 name=$2 seed=$3
    shift 3
    GENERATED="$DATA/$name"
    if [ ! -f "$GENERATED" ]; then
        "$GEN" "$format" --out "$GENERATED" --seed "$seed" "$@" >/dev/null \
            || die "generating $name failed"
    fi
}

# "--count 300000" -> "300000", "--bytes 30M" -> "30M": file names say what was asked for.
label() { echo "$2"; }

echo "== generating reports ($MODE sizes, seed $SEED) into ${DATA#"$ROOT"/}"
# shellcheck disable=SC2086 # the size arguments are two words on purpose
if want sarif; then
    gen sarif "sarif-$(label $SARIF_LARGE)-s$SEED.sarif" "$SEED" $SARIF_LARGE
    SARIF_FILE=$GENERATED
fi
# shellcheck disable=SC2086
if want trivy; then
    gen trivy "trivy-$(label $TRIVY_LARGE)-s$SEED.json" "$SEED" $TRIVY_LARGE
    TRIVY_FILE=$GENERATED
fi
# shellcheck disable=SC2086
if want zap; then
    gen zap "zap-$(label $ZAP_LARGE)-s$SEED.xml" "$SEED" $ZAP_LARGE
    ZAP_FILE=$GENERATED
fi
if want parallel; then
    # shellcheck disable=SC2086
    PARALLEL_NAME="parallel-$(label $PARALLEL_EACH)-s$SEED"
    PARALLEL_DIR="$DATA/$PARALLEL_NAME"
    mkdir -p "$PARALLEL_DIR"
    for i in $(seq 1 "$PARALLEL_FILES"); do
        # shellcheck disable=SC2086
        gen sarif "$PARALLEL_NAME/report-$i.sarif" "$((SEED * 1000 + i))" $PARALLEL_EACH
    done
fi
if want small; then
    # shellcheck disable=SC2086
    gen sarif "small-sarif-s$SEED.sarif" "$SEED" $SMALL
    SMALL_SARIF=$GENERATED
    # shellcheck disable=SC2086
    gen trivy "small-trivy-s$SEED.json" "$SEED" $SMALL
    SMALL_TRIVY=$GENERATED
    # shellcheck disable=SC2086
    gen zap "small-zap-s$SEED.xml" "$SEED" $SMALL
    SMALL_ZAP=$GENERATED
fi

# --- measuring ---------------------------------------------------------------------------
# once ARGS... -> "WALL RSS_KIB CODE" of one run
once() {
    "$MEASURE" --runs 1 --stdout "$WORK/out" --stderr "$WORK/err" -- "$@"
}
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int(NR / 2) + 1] }'; }
# rounds FN... -> one line per FN, "WALL RSS_KIB CODES" (medians of $RUNS runs). Each FN runs
# one measurement (`once ...`); the FNs take turns, round after round, so a machine that
# slows down or speeds up during the script shifts every command alike, not only the ones
# measured last (a virtual machine's speed drifts by 10-30 % over minutes). stdout/stderr of
# the last FN's last run are in $WORK/out, $WORK/err.
rounds() {
    local -a walls rss codes
    local k i fn r w m c
    for ((k = 0; k < RUNS; k++)); do
        i=0
        for fn in "$@"; do
            r=$("$fn") || return 1
            read -r w m c <<<"$r"
            walls[i]+="$w "
            rss[i]+="$m "
            codes[i]="${codes[i]:+${codes[i]},}$c"
            i=$((i + 1))
        done
    done
    for ((i = 0; i < $#; i++)); do
        # shellcheck disable=SC2086 # split into one number per run
        echo "$(median ${walls[i]}) $(median ${rss[i]}) ${codes[i]}"
    done
}
warm() { cat "$@" >/dev/null; }
size_of() { du -cb "$@" | tail -1 | cut -f1; }
calc() { awk "BEGIN { printf \"%.2f\", $1 }"; }
le() { awk "BEGIN { exit !($1 <= $2) }"; }
# An exit code list is fine when every run exited 0 (pass) or 1 (gate failed).
codes_ok() { [[ ",$1," =~ ^(,[01])+,$ ]]; }
scangate_error() { grep -m1 -E 'error|failed|Cause' "$WORK/err" | sed "s|$DATA/||" | cut -c1-160; }

# Does this scangate write SARIF yet? (An unknown output format is a usage error.)
PROBE=$("$SCANGATE" check --output sarif="$WORK/probe.sarif" "$WORK/no-such-input" 2>&1)
if [[ "$PROBE" == *"unknown output format"* ]]; then SARIF_OUT=0; else SARIF_OUT=1; fi
OUTPUTS_DESC="json$([ "$SARIF_OUT" = 1 ] && echo "+sarif")"

ROWS=()
TARGETS=()
target() { TARGETS+=("$(printf '%-5s %s' "$1" "$2")"); }

# large NAME FORMAT FILE
large() {
    local name=$1 format=$2 file=$3
    local bytes; bytes=$(size_of "$file")
    warm "$file"
    local s_wall s_rss s_codes f_wall f_codes o_wall o_codes findings results
    local outputs=(--output "json=$WORK/out.json")
    [ "$SARIF_OUT" = 1 ] && outputs+=(--output "sarif=$WORK/out.sarif")
    run_check() { once "$SCANGATE" check "$file"; }
    run_floor() { once "$FLOOR" "$format" "$file"; }
    # The outputs (hundreds of MB) are flushed to disk before the next measurement, untimed:
    # left to the kernel's writeback they were written out during the following runs and
    # took CPU from them (a check after an outputs run measured ~15 % slower than alone).
    run_outputs() {
        local r
        r=$(once "$SCANGATE" check "$file" "${outputs[@]}") || return 1
        sync
        echo "$r"
    }
    results=$(rounds run_check run_floor run_outputs) || die "measure failed"
    { read -r s_wall s_rss s_codes; read -r f_wall _ f_codes; read -r o_wall _ o_codes; } <<<"$results"
    # The last run wrote the table to $WORK/out (outputs go to files).
    findings=$(sed -n 's/^scangate: [A-Z]*: [0-9]* blocking of \([0-9]*\) finding.*/\1/p' "$WORK/out")
    local err=""
    codes_ok "$s_codes" || err="exit $s_codes: $(scangate_error)"
    rm -f "$WORK/out.json" "$WORK/out.sarif"
    local ratio o_ratio rss_ratio
    ratio=$(calc "$s_wall / $f_wall")
    o_ratio=$(calc "$o_wall / $f_wall")
    rss_ratio=$(calc "$s_rss * 1024 / $bytes")
    if [ -n "$err" ]; then
        ROWS+=("$(printf '%-9s %7.1f %9s %8s %8s %6s %8.3f %7s %9s %7s' \
            "$name" "$(calc "$bytes / 1048576")" - error - - "$f_wall" - - -)")
        target ERROR "$name: scangate $err"
        return
    fi
    ROWS+=("$(printf '%-9s %7.1f %9s %8.3f %8.1f %6s %8.3f %6sx %9.3f %6sx' \
        "$name" "$(calc "$bytes / 1048576")" "${findings:--}" "$s_wall" \
        "$(calc "$s_rss / 1024")" "$rss_ratio" "$f_wall" "$ratio" "$o_wall" "$o_ratio")")
    if le "$ratio" 2; then target PASS "$name: check within 2x the floor (${ratio}x)"
    else target MISS "$name: check within 2x the floor (${ratio}x)"; fi
    if ! codes_ok "$o_codes"; then target ERROR "$name: check with $OUTPUTS_DESC outputs exited $o_codes"
    elif le "$o_ratio" 3; then target PASS "$name: check + $OUTPUTS_DESC outputs within 3x the floor (${o_ratio}x)"
    else target MISS "$name: check + $OUTPUTS_DESC outputs within 3x the floor (${o_ratio}x)"; fi
    if le "$rss_ratio" 1.5; then target PASS "$name: peak RSS within 1.5x the input (${rss_ratio}x)"
    else target MISS "$name: peak RSS within 1.5x the input (${rss_ratio}x)"; fi
    [[ ",$f_codes," =~ ^(,0)+,$ ]] || target ERROR "$name: the floor exited $f_codes"
}

CPU=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== measuring: $RUNS runs each, medians; $(nproc) cores (${CPU:-unknown CPU}); load $LOAD_BEFORE"
if ! awk -v l="${LOAD_BEFORE%% *}" 'BEGIN { exit !(l < 1.5) }'; then
    echo "   warning: load average ≥ 1.5: other work is running, figures will be noisy"
fi
[ "$SARIF_OUT" = 1 ] || echo "   note: this scangate has no sarif output; '+outputs' writes json only"

want sarif && large sarif sarif "$SARIF_FILE"
want trivy && large trivy trivy "$TRIVY_FILE"
want zap && large zap zap "$ZAP_FILE"

if want parallel; then
    files=("$PARALLEL_DIR"/report-*.sarif)
    warm "${files[@]}"
    # Control: the floor over the same files, one process per file, 1 vs all cores at once.
    # It shows the speed-up this machine could give at the time (other load eats into it).
    floor_all() {
        # shellcheck disable=SC2016 # expanded by the inner sh, from its arguments
        once sh -c 'find "$1" -name "*.sarif" -print0 | xargs -0 -n 1 -P "$2" "$3" sarif >/dev/null' \
            sh "$PARALLEL_DIR" "$1" "$FLOOR"
    }
    run_one_thread() { RAYON_NUM_THREADS=1 once "$SCANGATE" check "$PARALLEL_DIR"; }
    run_all_cores() { once "$SCANGATE" check "$PARALLEL_DIR"; }
    run_floor_one() { floor_all 1; }
    run_floor_all() { floor_all "$(nproc)"; }
    results=$(rounds run_one_thread run_all_cores run_floor_one run_floor_all) || die "measure failed"
    {
        read -r p1_wall _ p1_codes
        read -r pn_wall pn_rss pn_codes
        read -r f1_wall _ _
        read -r fn_wall _ _
    } <<<"$results"
    p_err=$(codes_ok "$p1_codes" || echo "exit $p1_codes")
    [ -n "$p_err" ] || p_err=$(codes_ok "$pn_codes" || echo "exit $pn_codes")
    speedup=$(calc "$p1_wall / $pn_wall")
    PARALLEL_LINE=$(printf '%d files, %.1f MB in all: %.3f s on 1 thread, %.3f s on %d cores (speed-up %sx, peak RSS %.1f MB); the floor, one process per file: %.3f s one at a time, %.3f s %d at a time (%sx)' \
        "${#files[@]}" "$(calc "$(size_of "${files[@]}") / 1048576")" "$p1_wall" "$pn_wall" "$(nproc)" "$speedup" "$(calc "$pn_rss / 1024")" \
        "$f1_wall" "$fn_wall" "$(nproc)" "$(calc "$f1_wall / $fn_wall")")
    if [ -n "$p_err" ]; then target ERROR "parallel: scangate $p_err"
    elif le 1.7 "$speedup"; then target PASS "parallel: ${#files[@]} inputs at >= 1.7x the single-thread rate (${speedup}x)"
    else target MISS "parallel: ${#files[@]} inputs at >= 1.7x the single-thread rate (${speedup}x)"; fi
fi

if want small; then
    SMALL_LINES=()
    for f in "$SMALL_SARIF" "$SMALL_TRIVY" "$SMALL_ZAP"; do
        warm "$f"
        r=$("$MEASURE" --runs $((RUNS < 11 ? 11 : RUNS)) --stdout "$WORK/out" --stderr "$WORK/err" -- "$SCANGATE" check "$f") \
            || die "measure failed"
        read -r sm_wall sm_rss sm_codes <<<"$r"
        name=$(basename "$f")
        ms=$(calc "$sm_wall * 1000")
        SMALL_LINES+=("$(printf '%-22s %5.1f MB  %6s ms  peak RSS %5.1f MB' "$name" "$(calc "$(size_of "$f") / 1048576")" "$ms" "$(calc "$sm_rss / 1024")")")
        if ! codes_ok "$sm_codes"; then target ERROR "small: $name: scangate exit $sm_codes: $(scangate_error)"
        elif le "$ms" 20; then target PASS "small: $name checked in < 20 ms (${ms} ms)"
        else target MISS "small: $name checked in < 20 ms (${ms} ms)"; fi
    done
fi

# --- report ------------------------------------------------------------------------------
echo
echo "scangate benchmark ($MODE sizes, seed $SEED, medians of $RUNS runs; load before $LOAD_BEFORE, after $(cut -d' ' -f1-3 /proc/loadavg))"
if [ ${#ROWS[@]} -gt 0 ]; then
    echo
    printf '%-9s %7s %9s %8s %8s %6s %8s %7s %9s %7s\n' \
        case "MB" findings "check s" "RSS MB" "RSS/in" "floor s" ratio "+out s" ratio
    printf '%s\n' "${ROWS[@]}"
    echo "('+out': check also writing the $OUTPUTS_DESC output(s); the floor: serde_json into borrowed typed structs, quick-xml event loop for ZAP)"
fi
if [ -n "${PARALLEL_LINE:-}" ]; then
    echo
    echo "many inputs: $PARALLEL_LINE"
fi
if [ -n "${SMALL_LINES+x}" ]; then
    echo
    echo "small inputs (end to end, start-up included, medians of $((RUNS < 11 ? 11 : RUNS)) runs):"
    printf '  %s\n' "${SMALL_LINES[@]}"
fi
echo
echo "targets (issue 7):"
printf '  %s\n' "${TARGETS[@]}"
exit 0
