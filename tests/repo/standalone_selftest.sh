#!/usr/bin/env bash
# Proves standalone_test.sh can fail and can skip: in a scratch git repository it must find
# each kind of outside reference (one file per kind), pass once they are gone, and exit 77 on
# a folder that is not a git checkout. Usage: standalone_selftest.sh SOURCE_DIR.
# The bad contents are assembled at run time so that this file itself points nowhere.
set -euo pipefail
SRC="${1:?usage: standalone_selftest.sh SOURCE_DIR}"
CHECK="$SRC/tests/repo/standalone_test.sh"
command -v git >/dev/null 2>&1 || { echo "SKIPPED: git is not installed"; exit 77; }
TMP="$(mktemp -d "${TMPDIR:-/tmp}/faultline-standalone-XXXXXX")"; trap 'rm -rf "$TMP"' EXIT

expect() {  # expect RC DIR WHAT: the check on DIR exits RC and prints WHAT
  local rc=0 out
  out="$(bash "$CHECK" "$2" 2>&1)" || rc=$?
  if [ "$rc" != "$1" ] || ! grep -qF -- "$3" <<<"$out"; then
    echo "FAIL: expected exit $1 and '$3' on $2, got exit $rc:"; echo "$out"; exit 1
  fi
  echo "ok: exit $rc, '$3'"
}

mkdir -p "$TMP/plain"
expect 77 "$TMP/plain" "not a git checkout"

R="$TMP/repo"; mkdir -p "$R/src/deep" "$R/docs"
git -C "$R" init -q
git -C "$R" -c user.email=t@t -c user.name=t commit -q --allow-empty -m init
mkdir -p "$R/tests/repo"; cp "$CHECK" "$R/tests/repo/"
ext="md"  # document names are assembled too: this file must name none the repository lacks
echo "# guide" > "$R/docs/GUIDE.$ext"
echo "see docs/GUIDE.$ext and src/deep/../x.h" > "$R/README.$ext"
git -C "$R" add -A
expect 0 "$R" "0 finding(s)"

sh_dir="shared"; ws="work"
printf 'corpus in ../%s/corpus\n' "$sh_dir" > "$R/src/a.txt"
printf 'open("/%s/main/x")\n' "$ws" > "$R/src/b.cpp"
up=".."; printf '#include "%s/%s/%s/%s/outside.h"\n' "$up" "$up" "$up" "$up" > "$R/src/deep/c.cpp"
doc="MISSING"; printf 'read %s.%s first\n' "$doc" "$ext" > "$R/src/d.txt"
ln -s "/$ws/elsewhere" "$R/src/e-link"
git -C "$R" add -A
expect 1 "$R" "outside path: src/a.txt:1"
expect 1 "$R" "outside path: src/b.cpp:1"
expect 1 "$R" "leaves the repository: src/deep/c.cpp:1"
expect 1 "$R" "names a document the repository lacks: src/d.txt:1"
expect 1 "$R" "absolute symlink: src/e-link"
expect 1 "$R" "5 finding(s)"
