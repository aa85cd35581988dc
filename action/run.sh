#!/usr/bin/env bash
# The steps of scangate's composite GitHub Action (../action.yml), one subcommand per step, so
# tests/action.rs can run them locally exactly as a runner does.
#
#   run.sh prepare   decide where the binary comes from; download and verify a release
#   run.sh build     cargo install from the action's own source, unless the cache restored it
#   run.sh gate      run `scangate check`, set the outputs, map the exit status
#
# Binary sources, first that applies:
#   1. SCANGATE_BIN: a prebuilt binary; nothing is downloaded or built.
#   2. a release (install: release, or install: auto with a version): downloads
#      scangate-VERSION-x86_64-unknown-linux-gnu.tar.gz and its .sha256 from
#      $SCANGATE_RELEASE_BASE_URL/vVERSION/ (default: this action's repository's GitHub
#      releases), checks the archive with `sha256sum -c` and never runs an unverified binary.
#   3. source (install: source, or auto without a version): cargo install --locked from
#      $GITHUB_ACTION_PATH into a directory cached by actions/cache, keyed on the toolchain,
#      Cargo.lock and the sources.
#
# Exit status of the gate step: 0 when scangate passed; 1 when the policy failed the gate,
# unless `fail: false`; 2 always when scangate could not decide; 3 when the gate passed but a
# required publish step failed, unless `fail-on-publish-error: false`.
set -euo pipefail

readonly TARGET_TRIPLE="x86_64-unknown-linux-gnu"

die() {
  printf 'scangate action: %s\n' "$*" >&2
  exit 2
}

# Progress messages go to stderr: stdout of some functions is their result.
note() {
  printf 'scangate action: %s\n' "$*" >&2
}

lowercase() {
  printf '%s' "$1" | tr '[:upper:]' '[:lower:]'
}

# sha256sum where it exists (Linux), else macOS's shasum.
sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$@"
  else
    shasum -a 256 "$@"
  fi
}

# A scratch directory: $RUNNER_TEMP on a runner.
temp_root() {
  local root="${RUNNER_TEMP:-${TMPDIR:-/tmp}}"
  mkdir -p "$root"
  printf '%s' "$root"
}

random_token() {
  od -An -N16 -tx1 /dev/urandom | tr -d ' \n'
}

# set_output NAME VALUE: the multi-line-safe form of $GITHUB_OUTPUT, with a delimiter that the
# value cannot contain.
set_output() {
  local name="$1" value="$2" delimiter
  delimiter="ghadelimiter_$(random_token)"
  while [[ "$value" == *"$delimiter"* ]]; do
    delimiter="ghadelimiter_$(random_token)"
  done
  printf '%s<<%s\n%s\n%s\n' "$name" "$delimiter" "$value" "$delimiter" >>"${GITHUB_OUTPUT:-/dev/null}"
}

# bool_input NAME VALUE: "true" or "false"; anything else is a configuration error (a typo
# must not silently turn the gate off).
bool_input() {
  local name="$1" value
  value="$(lowercase "$2")"
  case "$value" in
    true | false) printf '%s' "$value" ;;
    *) die "input \`$name\` must be true or false, not \`$2\`" ;;
  esac
}

trim() {
  local s="$1"
  s="${s#"${s%%[![:space:]]*}"}"
  s="${s%"${s##*[![:space:]]}"}"
  printf '%s' "$s"
}

# The version in the action's own Cargo.toml (install: release without a version).
own_version() {
  local manifest="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}/Cargo.toml" line
  while IFS= read -r line; do
    if [[ "$line" =~ ^version[[:space:]]*=[[:space:]]*\"([^\"]+)\" ]]; then
      printf '%s' "${BASH_REMATCH[1]}"
      return 0
    fi
  done <"$manifest"
  die "no version in $manifest"
}

# download_release VERSION: downloads, verifies and unpacks a release; prints the binary's path.
download_release() {
  local version="${1#v}"
  if [[ ! "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]]; then
    die "\`$1\` is not a release version (expected e.g. 0.1.0)"
  fi
  if [[ "$(uname -s)" != "Linux" || "$(uname -m)" != "x86_64" ]]; then
    die "release binaries exist for $TARGET_TRIPLE only (this runner: $(uname -s) $(uname -m)); use \`install: source\`"
  fi
  local base protocols="=https"
  if [[ -n "${SCANGATE_RELEASE_BASE_URL:-}" ]]; then
    # A mirror, or a local fixture in the tests (file://).
    base="${SCANGATE_RELEASE_BASE_URL%/}"
    protocols="=https,file"
  elif [[ -n "${SCANGATE_ACTION_REPOSITORY:-}" ]]; then
    base="${GITHUB_SERVER_URL:-https://github.com}/$SCANGATE_ACTION_REPOSITORY/releases/download"
  else
    die "cannot tell which repository this action came from; set SCANGATE_RELEASE_BASE_URL to the releases' download URL"
  fi
  local asset="scangate-$version-$TARGET_TRIPLE.tar.gz"
  local url="$base/v$version/$asset"
  local dir
  dir="$(mktemp -d "$(temp_root)/scangate-release.XXXXXX")"
  note "downloading $url"
  local fetch=(curl --fail --silent --show-error --location --retry 3 --proto "$protocols" --proto-redir "=https")
  "${fetch[@]}" --output "$dir/$asset" "$url" || die "cannot download $url"
  "${fetch[@]}" --output "$dir/$asset.sha256" "$url.sha256" || die "cannot download $url.sha256"

  # The checksum file is `HEX  NAME` (sha256sum's format). Only the hash is taken from it: the
  # line checked is rebuilt with our own file name, so a checksum file naming another file
  # cannot make `sha256sum -c` vouch for something else.
  local expected named
  read -r expected named <"$dir/$asset.sha256" || true
  expected="$(lowercase "$expected")"
  if [[ ! "$expected" =~ ^[0-9a-f]{64}$ ]]; then
    die "$url.sha256 holds no SHA-256 checksum"
  fi
  if [[ -n "${named:-}" && "${named#\*}" != "$asset" ]]; then
    die "$url.sha256 is the checksum of \`$named\`, not of $asset"
  fi
  if ! (cd "$dir" && printf '%s  %s\n' "$expected" "$asset" | sha256sum --check --strict --status -); then
    die "checksum mismatch: $asset does not match $asset.sha256; refusing to run it"
  fi
  note "verified $asset (sha256 $expected)"

  tar -xzf "$dir/$asset" -C "$dir" --no-same-owner || die "cannot unpack $asset"
  local bin="$dir/scangate-$version-$TARGET_TRIPLE/scangate"
  [[ -f "$bin" && -x "$bin" ]] || die "$asset has no executable scangate-$version-$TARGET_TRIPLE/scangate"
  local reported
  reported="$("$bin" --version)" || die "the released binary does not run"
  [[ "$reported" == "scangate $version" ]] || die "the release for $version reports \`$reported\`"
  printf '%s' "$bin"
}

# Hash of everything the source build depends on, for the cache key.
source_hash() {
  local root="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}"
  (
    cd "$root"
    find Cargo.toml Cargo.lock src -type f | LC_ALL=C sort | while IFS= read -r f; do sha256 "$f"; done
  ) | sha256 | cut -c1-16
}

cmd_prepare() {
  local install="${SCANGATE_INSTALL:-auto}" version="${SCANGATE_VERSION:-}" bin mode
  install="$(trim "$install")"
  version="$(trim "$version")"
  if [[ -n "${SCANGATE_BIN:-}" ]]; then
    bin="$SCANGATE_BIN"
    [[ "$bin" == */* ]] || bin="$(command -v "$bin")" || die "SCANGATE_BIN=$SCANGATE_BIN is not on PATH"
    [[ -f "$bin" && -x "$bin" ]] || die "SCANGATE_BIN=$SCANGATE_BIN is not an executable file"
    note "using the prebuilt binary $bin (SCANGATE_BIN)"
    set_output mode bin
    set_output bin "$bin"
    return 0
  fi
  case "$install" in
    auto) if [[ -n "$version" ]]; then mode=release; else mode=source; fi ;;
    release) mode=release ;;
    source)
      [[ -z "$version" ]] || die "\`install: source\` builds the action's own source; remove \`version: $version\` or use \`install: release\`"
      mode=source
      ;;
    *) die "input \`install\` must be auto, source or release, not \`$install\`" ;;
  esac
  if [[ "$mode" == release ]]; then
    [[ -n "$version" ]] || version="$(own_version)"
    bin="$(download_release "$version")"
    set_output mode release
    set_output bin "$bin"
    return 0
  fi
  local toolchain="none" rustc_version
  if rustc_version="$(rustc -vV 2>/dev/null)"; then
    toolchain="$(printf '%s' "$rustc_version" | sha256 | cut -c1-16)"
  fi
  local cache_dir
  cache_dir="$(temp_root)/scangate-build"
  set_output mode source
  set_output cache-dir "$cache_dir"
  set_output cache-key "scangate-${RUNNER_OS:-$(uname -s)}-${RUNNER_ARCH:-$(uname -m)}-rust-$toolchain-src-$(source_hash)"
  set_output bin "$cache_dir/bin/scangate"
}

cmd_build() {
  [[ "${SCANGATE_MODE:-}" == source ]] || return 0
  local root="${SCANGATE_CACHE_DIR:?SCANGATE_CACHE_DIR is not set}"
  local bin="$root/bin/scangate"
  if [[ -x "$bin" ]] && "$bin" --version >/dev/null 2>&1; then
    note "using the cached build $bin ($("$bin" --version))"
    return 0
  fi
  command -v cargo >/dev/null 2>&1 ||
    die "install: source needs cargo on the runner (set up Rust first, or use \`version\` for a release binary)"
  note "building scangate from $GITHUB_ACTION_PATH (cargo install --locked)"
  CARGO_TARGET_DIR="$(temp_root)/scangate-target" \
    cargo install --locked --path "${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}" --root "$root"
  [[ -x "$bin" ]] || die "cargo install did not produce $bin"
}

cmd_gate() {
  local bin="${SCANGATE_ACTION_BIN:-}"
  [[ -n "$bin" && -x "$bin" ]] || die "no scangate binary (the prepare step did not run?)"
  local fail fail_publish comment tickets
  fail="$(bool_input fail "${INPUT_FAIL:-true}")"
  fail_publish="$(bool_input fail-on-publish-error "${INPUT_FAIL_ON_PUBLISH_ERROR:-true}")"
  comment="$(bool_input comment "${INPUT_COMMENT:-false}")"
  tickets="$(bool_input tickets "${INPUT_TICKETS:-false}")"

  # One argument per line: a path with spaces stays one argument, a glob reaches scangate
  # unexpanded (it expands globs itself and fails on one that matches nothing).
  local reports=() line
  while IFS= read -r line || [[ -n "$line" ]]; do
    line="$(trim "$line")"
    [[ -z "$line" || "$line" == \#* ]] && continue
    reports+=("$line")
  done <<<"${INPUT_REPORTS:-}"
  ((${#reports[@]} > 0)) || die "input \`reports\` names no report"

  local work
  work="$(mktemp -d "$(temp_root)/scangate-gate.XXXXXX")"
  local sarif="${INPUT_SARIF_OUTPUT:-}"
  [[ -n "$sarif" ]] || sarif="$work/scangate.sarif"
  local summary="$work/summary.txt"

  local args=(check --output "sarif=$sarif" --summary-line="$summary")
  [[ -z "${INPUT_JUNIT_OUTPUT:-}" ]] || args+=(--output "junit=$INPUT_JUNIT_OUTPUT")
  [[ -z "${INPUT_JSON_OUTPUT:-}" ]] || args+=(--output "json=$INPUT_JSON_OUTPUT")
  [[ -z "${INPUT_POLICY:-}" ]] || args+=(--policy "$INPUT_POLICY")
  [[ -z "${INPUT_BASELINE:-}" ]] || args+=(--baseline "$INPUT_BASELINE")
  [[ "$comment" == false ]] || args+=(--comment)
  [[ "$tickets" == false ]] || args+=(--tickets)
  args+=(-- "${reports[@]}")

  local code=0
  "$bin" "${args[@]}" || code=$?

  # The outputs come from scangate's --summary-line; without one (scangate could not run at
  # all) the verdict is `error` and the counts are empty.
  local verdict="error" findings="" blocking="" words=() kv
  if [[ -s "$summary" ]]; then
    read -r -a words <"$summary" || true
    if ((${#words[@]} > 2)) && [[ "${words[0]}" == "scangate:" && "${words[1]}" =~ ^(pass|fail|error)$ ]]; then
      verdict="${words[1]}"
      for kv in "${words[@]:2}"; do
        case "${kv%%=*}" in
          findings) findings="${kv#*=}" ;;
          blocking) blocking="${kv#*=}" ;;
        esac
      done
    fi
  fi
  set_output verdict "$verdict"
  set_output exit-code "$code"
  set_output findings "$findings"
  set_output blocking "$blocking"
  set_output sarif "$sarif"

  case "$code" in
    0) return 0 ;;
    1)
      if [[ "$fail" == true ]]; then
        note "the policy failed the gate (exit 1)"
        return 1
      fi
      echo "::warning title=scangate::the policy failed the gate (exit 1); not failing the step because fail is false"
      return 0
      ;;
    2)
      note "scangate could not decide (exit 2): see the errors above"
      return 2
      ;;
    3)
      if [[ "$fail_publish" == true ]]; then
        note "the gate passed but publishing failed (exit 3)"
        return 3
      fi
      echo "::warning title=scangate::publishing the PR comment or tickets failed (exit 3); not failing the step because fail-on-publish-error is false"
      return 0
      ;;
    *)
      note "scangate ended with status $code"
      return "$code"
      ;;
  esac
}

main() {
  case "${1:-}" in
    prepare) cmd_prepare ;;
    build) cmd_build ;;
    gate) cmd_gate ;;
    *) die "usage: run.sh prepare|build|gate" ;;
  esac
}

main "$@"
