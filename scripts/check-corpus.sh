#!/usr/bin/env bash
# check-corpus.sh FAULTLINE CORPUS_DIR: runs `faultline check` on every row of verdicts.tsv
# whose model faultline checks by linearizability, and prints got/expected per file.
# Exits non-zero when any verdict differs from the expected one.
set -uo pipefail
FL="$1"; CORPUS="$2"
mismatch=0; total=0
while IFS=$'\t' read -r file model expected _; do
  [ "$file" = "file" ] && continue
  case "$model" in
    "kv-append (per key)") m=kv ;;
    cas-register|multi-register|mutex) m="$model" ;;
    *) continue ;;
  esac
  "$FL" check --model "$m" "$CORPUS/$file" >/tmp/fl-check.$$ 2>&1
  rc=$?
  case $rc in 0) got=linearizable ;; 1) got=not-linearizable ;; *) got="error($rc)" ;; esac
  total=$((total + 1))
  mark=ok; [ "$got" = "$expected" ] || { mark=MISMATCH; mismatch=$((mismatch + 1)); }
  printf '%-60s %-18s expected %-18s %s\n' "$file" "$got" "$expected" "$mark"
  [ "$mark" = ok ] || cat /tmp/fl-check.$$
done < "$CORPUS/verdicts.tsv"
rm -f /tmp/fl-check.$$
echo "$total histories checked, $mismatch mismatches"
[ "$mismatch" -eq 0 ]
