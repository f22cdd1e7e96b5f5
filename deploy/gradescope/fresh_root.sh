#!/usr/bin/env bash
# Runs a Gradescope autograder zip as Gradescope does, in a fresh Debian 12 root (mmdebstrap,
# chroot; as root): unpack into /autograder/source, run setup.sh, then run_autograder from /
# on each submission directory given, printing each /autograder/results/results.json.
#
#   bash deploy/gradescope/fresh_root.sh autograder.zip OUT_DIR SUBMISSION_DIR...
#
# OUT_DIR/<n>.json is the results of the n-th submission (from 1); OUT_DIR/setup.log the setup.
# Behind a proxy the root gets this machine's CA settings and ~/.npmrc, as any user would.
# Exit 0 when setup and every run_autograder exit 0; 2 when this machine cannot make a root.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin" # chroot, mount
zip="$(realpath "$1")"; out="$(realpath -m "$2")"; shift 2
[ "$(id -u)" = 0 ] || { echo "fresh_root.sh: needs root (chroot, mount)"; exit 2; }
command -v mmdebstrap >/dev/null || { echo "fresh_root.sh: needs mmdebstrap (apt-get install mmdebstrap)"; exit 2; }
command -v python3 >/dev/null || { echo "fresh_root.sh: needs python3 (to unpack the zip)"; exit 2; }
mkdir -p "$out"
base="${TMPDIR:-/tmp}/d2l-bookworm-minbase.tar"
if [ ! -s "$base" ]; then
  mmdebstrap --variant=minbase --include=ca-certificates bookworm "$base" >"$out/mmdebstrap.log" 2>&1 ||
    { rm -f "$base"; echo "fresh_root.sh: mmdebstrap failed (see $out/mmdebstrap.log)"; exit 2; }
fi
r=$(mktemp -d)
cleanup() {
  for m in proc dev sys; do mountpoint -q "$r/$m" && umount "$r/$m"; done
  for m in proc dev sys; do mountpoint -q "$r/$m" && { echo "left $r (still mounted)"; return; }; done
  rm -rf "$r"
}
trap cleanup EXIT
tar -xf "$base" -C "$r"
mount --bind /proc "$r/proc"; mount --bind /dev "$r/dev"; mount --bind /sys "$r/sys"
cp /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null || true
envs=()
for v in NODE_EXTRA_CA_CERTS SSL_CERT_FILE SSL_CERT_DIR REQUESTS_CA_BUNDLE; do
  p="${!v:-}"; [ -n "$p" ] && [ -e "$p" ] || continue
  mkdir -p "$r$(dirname "$p")"; cp -rL "$p" "$r$(dirname "$p")/" 2>/dev/null || true; envs+=("$v=$p")
done
[ -f "$HOME/.npmrc" ] && cp "$HOME/.npmrc" "$r/root/.npmrc"
python3 -c 'import sys, zipfile, os
z = zipfile.ZipFile(sys.argv[1])
for info in z.infolist():
    path = z.extract(info, sys.argv[2])
    mode = (info.external_attr >> 16) & 0o777
    if mode: os.chmod(path, mode)' "$zip" "$r/autograder/source"
inroot() { chroot "$r" env -i HOME=/root PATH=/usr/local/bin:/usr/bin:/bin "${envs[@]}" "$@"; }
inroot bash -c 'cd /autograder/source && ./setup.sh' >"$out/setup.log" 2>&1 ||
  { tail -n 30 "$out/setup.log"; echo "fresh_root.sh: setup.sh failed"; exit 1; }
cp "$r/autograder/source/run_autograder" "$r/autograder/run_autograder"
n=0
for sub in "$@"; do
  n=$((n + 1))
  rm -rf "$r/autograder/submission" "$r/autograder/results"
  cp -r "$sub" "$r/autograder/submission"
  inroot bash -c 'cd / && /autograder/run_autograder' >"$out/$n.log" 2>&1 ||
    { tail -n 30 "$out/$n.log"; echo "fresh_root.sh: run_autograder failed on $sub"; exit 1; }
  cp "$r/autograder/results/results.json" "$out/$n.json"
done
echo "fresh_root.sh: setup and $n run(s) done; results in $out"
