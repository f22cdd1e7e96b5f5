#!/usr/bin/env sh
# Exercism's test-runner interface: grades one exercise (or all) of a submission with the kit
# this script is in, and writes OUTPUT_DIR/results.json (Exercism's results, version 3).
#
#   bin/run.sh SLUG INPUT_DIR OUTPUT_DIR
#
# SLUG: an exercise id or slug (softmax, sum-keepdim, ...) or `all`. INPUT_DIR: the student's
# files, at its top level, in exercises/, or one folder down. The grader's own output goes to
# stderr; OUTPUT_DIR gets results.json only. Nothing is fetched: run it with no network.
# D2L_TIME_LIMIT=SECONDS in the environment caps the time the submission's code runs in all.
# Exit 0 when results.json says how the code did (pass, fail, or error for the student's code);
# 1 when the grader itself failed or the arguments are wrong (results.json, when OUTPUT_DIR
# exists, then has status "error" and says why).
set -eu
# results.json is this script's name in OUTPUT_DIR: whatever has it goes, a folder too, even a
# read-only one (made writable, or else renamed aside: the nineteenth review's read-only folder
# from an unpacked archive left no results at all).
clear_results() {
  at="$output/results.json"
  [ -e "$at" ] || [ -L "$at" ] || return 0
  [ -L "$at" ] || chmod -R u+rwx -- "$at" 2>/dev/null || true
  rm -rf -- "$at" 2>/dev/null && return 0
  # Renamed within OUTPUT_DIR (a folder that is not ours may not change parent), to a name
  # nothing has yet (the twentieth review's held the first one tried).
  n=0
  while [ -e "$at.left-by-the-submission.$n" ] || [ -L "$at.left-by-the-submission.$n" ]; do
    n=$((n + 1))
  done
  mv -- "$at" "$at.left-by-the-submission.$n"
}
fail() {
  echo "bin/run.sh: $1" >&2
  if [ -n "${output:-}" ] && [ -d "$output" ]; then
    # Printable ASCII only, so the JSON is valid whatever bytes a path or the log held.
    message=$(printf '%s' "$1" | LC_ALL=C tr -c '\040-\176' '?' | sed 's/\\/\\\\/g; s/"/\\"/g')
    clear_results || true
    printf '{"version":3,"status":"error","message":"%s","tests":[]}\n' "$message" \
      >"$output/results.json"
  fi
  exit 1
}
[ $# -eq 3 ] || { echo "usage: bin/run.sh SLUG INPUT_DIR OUTPUT_DIR" >&2; exit 1; }
log=""
result=""
copy=""
# Whatever stops this script from here on, OUTPUT_DIR gets a results.json that says so.
on_exit() {
  code=$?
  [ -z "$log" ] || rm -f "$log"
  [ -z "$result" ] || rm -f "$result"
  [ -z "$copy" ] || { chmod -R u+rwx -- "$copy" 2>/dev/null; rm -rf -- "$copy"; } || true
  if [ "$code" -ne 0 ] && { [ ! -f "${output:-/nonexistent}/results.json" ] ||
    [ ! -s "${output:-/nonexistent}/results.json" ]; }; then
    fail "the runner stopped early (exit code $code)"
  fi
}
trap on_exit EXIT
slug=$1
output=$(realpath -m -- "$3")
# An OUTPUT_DIR inside INPUT_DIR leads where INPUT_DIR's own path does, or a link the submission
# holds has turned it elsewhere: then nothing is created or written (helper-50: a link `out`
# made this script replace a results.json outside both folders).
if [ -d "$2" ]; then
  given_in=$(realpath -m -s -- "$2")
  given_out=$(realpath -m -s -- "$3")
  case "$given_out/" in
    "$given_in"/*)
      if [ "$output" != "$(realpath -- "$2")${given_out#"$given_in"}" ]; then
        output=""
        echo "bin/run.sh: OUTPUT_DIR $3 is inside INPUT_DIR, and a symbolic link in it leads elsewhere: nothing written" >&2
        exit 1
      fi
      ;;
  esac
fi
mkdir -p -- "$output" || fail "cannot create the output directory $3"
[ -d "$2" ] || fail "INPUT_DIR $2 is not a directory"
input=$(realpath -- "$2")
case $slug in
  all) only= ;;
  *[!A-Za-z0-9_-]* | "") fail "SLUG must be an exercise id or slug or all, got '$slug'" ;;
  *) only="--exercise=$slug" ;;
esac
# OUTPUT_DIR is INPUT_DIR, or inside it: the submission is graded from a copy taken before its
# own results.json (a file its code may read, a folder of its files) is replaced below, so it is
# graded as `deno task check` saw it (forty-eighth review: the placeholder was type-checked as
# the student's JSON).
case "$output/" in
  "$input"/*)
    copy=$(mktemp -d)
    if cp -RP -- "$input" "$copy/"; then
      input="$copy/$(basename -- "$input")"
    else
      # A file it cannot read (graded as such in place): graded as before, in place.
      echo "bin/run.sh: could not copy INPUT_DIR; grading it in place" >&2
    fi
    ;;
esac
# Until the grading ends, results.json says it did not: a platform that stops this script at its
# time limit (or kills it outright) finds that, never a results.json the submission brought
# along when INPUT_DIR is OUTPUT_DIR (twenty-fourth review: a forged "pass" stayed). A signal
# ends the script with that file in place.
clear_results || fail "cannot replace $output/results.json"
printf '{"version":3,"status":"error","message":"%s","tests":[]}\n' \
  "the grading did not finish: the runner was stopped before it wrote its results" \
  >"$output/results.json"
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP
kit=$(cd "$(dirname "$0")/.." && pwd)
# The kit's tools resolve relative paths against INIT_CWD (set by `deno task`): these are
# absolute, and the grader runs from the kit.
unset INIT_CWD
cd "$kit"
log=$(mktemp)
# The results are written beside the log, then moved into OUTPUT_DIR.
result=$(mktemp)
status=0
# shellcheck disable=SC2086 # $only is one word or none
# D2L_TIME_LIMIT (seconds): how long the submission's code may run in all, below the platform's
# own limit (the grader's default is 480 s).
deno run --allow-all --frozen --cached-only tools/grade.ts "$input" $only \
  ${D2L_TIME_LIMIT:+"--time-limit=$D2L_TIME_LIMIT"} \
  --format exercism --out "$result" 2>"$log" >&2 || status=$?
cat "$log" >&2
# 0: graded; 2: the grader failed on this submission (its results say so, status "error").
if [ ! -s "$result" ]; then
  fail "the grader wrote no results (exit code $status): $(grep -v '^ *$' "$log" | tail -n 1)"
fi
clear_results
mv -- "$result" "$output/results.json"
result=""
chmod 644 "$output/results.json"
[ "$status" -eq 0 ] || [ "$status" -eq 3 ] || exit 1
exit 0
