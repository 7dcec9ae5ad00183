#!/usr/bin/env bash
# standalone: fails when a tracked file points outside the repository, so that a fresh clone is
# all a user needs. Usage: standalone_test.sh SOURCE_DIR.
#
# Checked over every file `git ls-files` lists (working-tree content, binary files skipped),
# except this script, which holds the patterns:
#   1. the workshop the project was built in: the "shared" folder beside the checkout and absolute paths under /work/, /home/
#      or /root/ (ERE below);
#   2. relative paths ("../x", "a/../../y") that, taken from the directory of the file naming
#      them, leave the repository (absolute paths and URLs are not relative paths);
#   3. documents named by file name (X.md) that no tracked file is called;
#   4. tracked symbolic links whose target leaves the repository or is absolute.
# Each finding is printed as file:line: text. Exit 0 clean, 1 findings, 77 (ctest: Skipped) when
# SOURCE_DIR is not the top of a git checkout or git is missing.
set -uo pipefail
SRC="${1:?usage: standalone_test.sh SOURCE_DIR}"
SELF="tests/repo/standalone_test.sh"
skip() { echo "SKIPPED: $*"; exit 77; }

command -v git >/dev/null 2>&1 || skip "git is not installed"
# The checkout may belong to another user (CI runs as root, a developer not): reading it is safe.
g() { git -c safe.directory='*' -C "$SRC" "$@"; }
top="$(g rev-parse --show-toplevel 2>/dev/null)" || skip "$SRC is not a git checkout"
[ "$(realpath "$top")" = "$(realpath "$SRC")" ] || skip "$SRC is not the top of a git checkout ($top is)"
SRC="$(realpath "$SRC")"
count="$(g ls-files | wc -l)"
[ "$count" -gt 0 ] || { echo "FAIL: git ls-files lists nothing in $SRC"; exit 1; }

findings=0
report() { echo "$1"; findings=$((findings + 1)); }
grep_tracked() { g grep -n -I -E "$1" -- . ":(exclude)$SELF"; }

# 1. The workshop, by name.
while IFS= read -r hit; do report "outside path: $hit"; done < <(
  grep_tracked '\.\./shared|(^|[^[:alnum:]_.-])/(work|home|root)/')

# 2. Relative paths leaving the repository.
while IFS= read -r hit; do
  file="${hit%%:*}"; rest="${hit#*:}"; line="${rest%%:*}"; tok="${rest#*:}"
  case "$tok" in /*|*://*) continue ;; esac  # absolute paths and URLs: not relative
  rel="$(realpath -m --relative-to="$SRC" "$SRC/$(dirname "$file")/$tok")"
  case "$rel" in ..|../*) report "leaves the repository: $file:$line: $tok" ;; esac
done < <(g grep -n -I -o -E "[^[:space:]\"'\`(<>=,;]*(\.\./)+[[:alnum:]_.-]*" -- . ":(exclude)$SELF")

# 3. Documents named by file name that the repository does not have.
declare -A tracked_names=()
while IFS= read -r f; do tracked_names["${f##*/}"]=1; done < <(g ls-files)
while IFS= read -r hit; do
  name="${hit##*:}"
  [ -n "${tracked_names[$name]:-}" ] || report "names a document the repository lacks: $hit"
done < <(g grep -n -I -o -E '[[:alnum:]_-]+\.md\b' -- . ":(exclude)$SELF")

# 4. Tracked symbolic links.
while read -r mode _ _ path; do
  [ "$mode" = 120000 ] || continue
  target="$(readlink "$SRC/$path")"
  rel="$(realpath -m --relative-to="$SRC" "$SRC/$(dirname "$path")/$target")"
  case "$target" in /*) report "absolute symlink: $path -> $target"; continue ;; esac
  case "$rel" in ..|../*) report "symlink leaves the repository: $path -> $target" ;; esac
done < <(g ls-files -s)

echo "checked $count tracked files: $findings finding(s)"
[ "$findings" -eq 0 ]
