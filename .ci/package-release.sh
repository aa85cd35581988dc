#!/usr/bin/env bash
# Packages a scangate binary as the GitHub Action downloads it (action/run.sh):
#
#   bash .ci/package-release.sh BINARY VERSION OUTDIR
#
# writes OUTDIR/scangate-VERSION-x86_64-unknown-linux-gnu.tar.gz, holding
# scangate-VERSION-x86_64-unknown-linux-gnu/{scangate,README.md}, and next to it
# OUTDIR/scangate-VERSION-x86_64-unknown-linux-gnu.tar.gz.sha256 in `sha256sum` format. Attach
# both to the release tagged vVERSION. The binary must report `scangate VERSION`.
# SCANGATE_GZIP_LEVEL (default 9) trades size for speed; the tests use 1.
set -euo pipefail

if (($# != 3)); then
  echo "usage: $0 BINARY VERSION OUTDIR" >&2
  exit 2
fi
binary="$1"
version="${2#v}"
outdir="$3"
here="$(cd "$(dirname "$0")/.." && pwd)"

[[ -x "$binary" ]] || {
  echo "$binary is not an executable" >&2
  exit 2
}
reported="$("$binary" --version)"
[[ "$reported" == "scangate $version" ]] || {
  echo "$binary reports \`$reported\`, not scangate $version" >&2
  exit 2
}

name="scangate-$version-x86_64-unknown-linux-gnu"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name" "$outdir"
cp "$binary" "$stage/$name/scangate"
cp "$here/README.md" "$stage/$name/README.md"
tar -C "$stage" -cf - "$name" | gzip -"${SCANGATE_GZIP_LEVEL:-9}" >"$outdir/$name.tar.gz"
(cd "$outdir" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")
echo "wrote $outdir/$name.tar.gz and $name.tar.gz.sha256"
