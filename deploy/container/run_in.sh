#!/usr/bin/env bash
# Runs the grader image on one submission with buildah (for machines without docker or a
# working `podman run`; as root), as a platform would: no network, the unprivileged user
# `grader`, a private /tmp, the submission read-only, only OUTPUT_DIR writable.
#
#   bash deploy/container/run_in.sh IMAGE SLUG INPUT_DIR OUTPUT_DIR
#
# Exit code and OUTPUT_DIR/results.json: those of bin/run.sh (see there); 1 as well when the
# run wrote anywhere in the container but /tmp (where a platform's root is read-only, that
# write would have failed), listing what it wrote.
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: run_in.sh IMAGE SLUG INPUT_DIR OUTPUT_DIR"; exit 2; }
image=$1 slug=$2
input="$(realpath "$3")"
mkdir -p "$4"
output="$(realpath "$4")"
mode=$(stat -c %a "$output")
chmod 0777 "$output" # the grader user writes results.json there (the mode is put back)
ctr=$(buildah from --quiet "$image")
trap 'buildah rm "$ctr" >/dev/null; chmod "$mode" "$output"' EXIT
# buildah's chroot isolation (the one that works where `podman run` does not) shares the
# caller's network: a fresh network namespace around it leaves the container only a loopback
# that is down.
export PATH="$PATH:/usr/sbin:/sbin"
command -v unshare >/dev/null || { echo "run_in.sh: needs unshare (util-linux) to cut the network"; exit 2; }
root=$(buildah mount "$ctr")
stamp=$(mktemp)
status=0
unshare --net buildah run --isolation "${BUILDAH_ISOLATION:-chroot}" --user grader \
  -v "$input:/mnt/input:ro" -v "$output:/mnt/output" \
  "$ctr" -- /opt/kit/bin/run.sh "$slug" /mnt/input /mnt/output || status=$?
wrote=$(find "$root" -xdev -newer "$stamp" \
  -not -path "$root/tmp" -not -path "$root/tmp/*" -not -path "$root/mnt/*" \
  -not -path "$root/proc*" -not -path "$root/dev*" -not -path "$root/sys*" \
  -not -path "$root/run" -not -path "$root/etc/resolv.conf" -not -path "$root/etc/hosts" \
  -not -path "$root/etc/hostname" -not -path "$root/mnt" | sed "s|^$root||" | head -n 20)
rm -f "$stamp"
if [ -n "$wrote" ]; then
  echo "run_in.sh: the run wrote outside /tmp (a read-only root would have refused):"
  echo "$wrote"
  exit 1
fi
exit "$status"
