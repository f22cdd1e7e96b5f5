#!/usr/bin/env bash
# Builds the grader's container image from the kit (deploy/container/Containerfile) with
# buildah, from any directory:
#
#   bash deploy/container/build.sh [--base-from-mmdebstrap] [TAG]
#
# TAG defaults to localhost/d2l-softmax-grader. The base is BASE (default
# docker.io/library/debian:bookworm); --base-from-mmdebstrap makes a Debian 12 base locally
# instead (as root: mmdebstrap, then `podman import` as localhost/debian:bookworm), for machines
# that reach Debian's mirrors but no image registry. Behind a TLS-inspecting proxy the build
# gets this machine's CA bundle (what NODE_EXTRA_CA_CERTS or SSL_CERT_FILE names) and
# ~/.npmrc, mounted read-only, as any user behind a proxy would.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"
kit="$(cd "$(dirname "$0")/../.." && pwd)"
local_base=0
if [ "${1:-}" = --base-from-mmdebstrap ]; then local_base=1; shift; fi
tag="${1:-localhost/d2l-softmax-grader}"
command -v buildah >/dev/null || { echo "build.sh: needs buildah (apt-get install buildah)"; exit 2; }
base="${BASE:-docker.io/library/debian:bookworm}"
if [ "$local_base" = 1 ]; then
  base=localhost/debian:bookworm
  if ! buildah inspect --type image "$base" >/dev/null 2>&1; then
    command -v mmdebstrap >/dev/null && command -v podman >/dev/null ||
      { echo "build.sh: --base-from-mmdebstrap needs mmdebstrap and podman"; exit 2; }
    tar="${TMPDIR:-/tmp}/d2l-bookworm-minbase.tar"
    if [ ! -s "$tar" ]; then
      mmdebstrap --variant=minbase --include=ca-certificates bookworm "$tar" ||
        { rm -f "$tar"; echo "build.sh: mmdebstrap failed"; exit 2; }
    fi
    podman import "$tar" "$base" >/dev/null
  fi
fi
args=(--build-arg "BASE=$base")
ca="${NODE_EXTRA_CA_CERTS:-${SSL_CERT_FILE:-}}"
if [ -n "$ca" ] && [ -f "$ca" ]; then
  args+=(-v "$(realpath "$ca"):/run/host-ca.crt:ro")
  for v in NODE_EXTRA_CA_CERTS SSL_CERT_FILE DENO_CERT; do
    args+=(--build-arg "$v=/run/host-ca.crt")
  done
fi
[ -f "$HOME/.npmrc" ] && args+=(-v "$HOME/.npmrc:/root/.npmrc:ro")
buildah bud --isolation "${BUILDAH_ISOLATION:-chroot}" "${args[@]}" \
  -f "$kit/deploy/container/Containerfile" -t "$tag" "$kit"
echo "build.sh: built $tag"
