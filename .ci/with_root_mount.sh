#!/usr/bin/env bash
# Runs a command where / is a mount point. buildah and podman need that (they remount / as
# private before unpacking an image), and in a chroot, such as the fresh Debian root that
# `fresh-ci` makes, / is a directory of the host's file system, not a mount point. There the
# command runs in a mount namespace of its own whose root is a recursive bind mount of this one
# (the same files; the mounts vanish with the namespace). Elsewhere it simply runs the command.
#
#   bash .ci/with_root_mount.sh COMMAND [ARG…]
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"
if mountpoint -q /; then exec "$@"; fi
mkdir -p /run/ci-root
# (The new namespace cannot make / private: it is not a mount point. So /run/ci-root first becomes
# a private mount of its own, and only then gets the bind of /: on a host that shares mounts
# between namespaces, the most that can show there is that empty directory bound onto itself.)
exec unshare --mount --propagation unchanged bash -c '
  set -e
  mount --bind /run/ci-root /run/ci-root
  mount --make-private /run/ci-root
  mount --rbind / /run/ci-root
  mount --make-rprivate /run/ci-root
  exec chroot /run/ci-root env --chdir="$1" "${@:2}"' with_root_mount "$PWD" "$@"
