#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (with network).
# It installs everything grading needs, so that run_autograder fetches nothing, and checks the
# whole chain: the reference solutions must get full marks.
set -euo pipefail
cd "$(dirname "$0")"
unset INIT_CWD # paths below are the kit's (see run_autograder)
export DEBIAN_FRONTEND=noninteractive

apt-get update -qq
apt-get install -y -qq ca-certificates nodejs npm >/dev/null
# The real Fashion-MNIST: Debian's package where the distribution has it, else the kit's own
# verified download into data/cache/ (below).
apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 ||
  echo "setup.sh: no package dataset-fashion-mnist here: the kit downloads the data set"

npm install -g "deno@@DENO_VERSION@"
deno --version
deno install --frozen                  # npm packages, as deno.lock pins them
deno cache --frozen mod.ts tools/*.ts  # every module grading loads
deno eval 'import { loadDataFashionMnist } from "./mod.ts"; (await loadDataFashionMnist(256)).dispose();'

# Grade the reference solutions with the kit's own cases first: that session keeps the sandbox's
# compiled modules and the type check's warmed cache (data/cache/grader-warm/, nothing of the
# hidden cases) for every submission's.
deno run --allow-all --frozen --cached-only tools/grade.ts solutions >/tmp/setup-warm.txt 2>&1 || {
  tail -n 40 /tmp/setup-warm.txt
  echo "setup.sh: the reference solutions do not grade with the kit's own cases (above)"
  exit 1
}
# Then with this package's cases and rubric: full marks, or the image is not built (the message
# says which case failed).
deno run --allow-all --frozen --cached-only tools/grade.ts solutions @GRADE_FLAGS@ \
  --min-score 100% >/tmp/setup-check.txt 2>&1 || {
  tail -n 40 /tmp/setup-check.txt
  echo "setup.sh: the reference solutions do not get full marks with these cases (above)"
  exit 1
}
echo "setup.sh: ready; the reference solutions get full marks"
