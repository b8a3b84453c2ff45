#!/usr/bin/env bash
# Builds a local stand-in for app/Dockerfile's base image (python:3.12-slim) where no
# registry is reachable, so `RUNTIME=docker make rehearse` can build the app's image offline.
# On a machine that reaches Docker Hub, do not run this: `docker build` pulls the real image.
#
# The stand-in is a minimal Debian (debootstrap --variant=minbase, from the Debian mirror)
# with Debian's python3, python3-venv (pip for `python -m venv`) and `python` on PATH, which
# is what the Dockerfile uses: python, python -m venv, groupadd/useradd, sh. Its Python is
# Debian's (3.11 on bookworm), not 3.12: the app supports both (pyproject: >=3.11).
#
#   rehearse/docker_base.sh                  # tags python:3.12-slim
#   BASE_TAG=python:3.12-slim SUITE=bookworm MIRROR=http://deb.debian.org/debian rehearse/docker_base.sh
#   FORCE=1 rehearse/docker_base.sh          # rebuild even if the tag exists
#
# Needs root, debootstrap (apt-get install debootstrap) and a running Docker daemon.
set -euo pipefail

BASE_TAG="${BASE_TAG:-python:3.12-slim}"
SUITE="${SUITE:-bookworm}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"

command -v docker >/dev/null || { echo "docker is missing: apt-get install docker.io" >&2; exit 2; }
docker info >/dev/null 2>&1 || { echo "no Docker daemon answers: start dockerd first" >&2; exit 2; }
if [ -z "${FORCE:-}" ] && docker image inspect "$BASE_TAG" >/dev/null 2>&1; then
    echo "$BASE_TAG exists (FORCE=1 rebuilds it)"
    exit 0
fi
command -v debootstrap >/dev/null || { echo "debootstrap is missing: apt-get install debootstrap" >&2; exit 2; }

ROOTFS="$(mktemp -d /tmp/rehearsal-base.XXXXXX)"
trap 'rm -rf "$ROOTFS"' EXIT
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
    "$SUITE" "$ROOTFS" "$MIRROR"
ln -sf /usr/bin/python3 "$ROOTFS/usr/local/bin/python"
# The certificate authorities this host added (e.g. a TLS-inspecting egress proxy's), so that
# pip in `docker build` trusts what the host trusts; pip reads them through PIP_CERT below.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$ROOTFS/usr/local/share/ca-certificates/"
    chroot "$ROOTFS" update-ca-certificates >/dev/null
fi
chroot "$ROOTFS" apt-get clean
rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin "$ROOTFS"/tmp/*

tar -C "$ROOTFS" --numeric-owner -c . | docker import \
    --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt' \
    --change 'CMD ["python3"]' \
    - "$BASE_TAG"
echo "built $BASE_TAG from Debian $SUITE ($(docker run --rm "$BASE_TAG" python --version))"
