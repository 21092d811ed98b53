#!/usr/bin/env bash
# Makes a stand-in for the golang image from this machine's Go toolchain,
# for building deploy/Dockerfile where no registry can be reached:
#
#   deploy/go-standin-image.sh                 # tags dynago-go-standin:<go version>
#   docker build --network host -f deploy/Dockerfile \
#       --build-arg GO_IMAGE=dynago-go-standin:1.26.8 -t dynago:src .
#
# The image holds $(go env GOROOT) at /usr/local/go, a static busybox as
# /bin/sh (Debian's busybox-static), and the CA certificates (for `go mod
# download` through the module proxy), with PATH and GOPATH set as in the
# golang image. It is not the golang image (no Debian, no git): it only
# runs the Dockerfile's build commands.
set -euo pipefail

busybox="$(command -v busybox || true)"
if [ -z "$busybox" ] || ! file "$busybox" 2>/dev/null | grep -q 'statically linked'; then
	busybox=/bin/busybox
fi
[ -x "$busybox" ] || { echo "go-standin-image: no static busybox: apt-get install busybox-static" >&2; exit 1; }
goroot="$(go env GOROOT)"
version="$(go env GOVERSION)"
tag="${1:-dynago-go-standin:${version#go}}"
certs=/etc/ssl/certs/ca-certificates.crt
[ -f "$certs" ] || { echo "go-standin-image: no $certs" >&2; exit 1; }

root="$(mktemp -d "${TMPDIR:-/tmp}/go-standin.XXXXXX")"
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/usr/local" "$root/etc/ssl/certs" "$root/tmp" "$root/root"
cp "$busybox" "$root/bin/busybox"
for t in sh mkdir cp ls env cat rm; do ln -s busybox "$root/bin/$t"; done
cp -a "$goroot" "$root/usr/local/go"
cp "$certs" "$root/etc/ssl/certs/"
chmod 1777 "$root/tmp"
tar -C "$root" -c . | docker import \
	-c 'ENV PATH=/usr/local/go/bin:/go/bin:/bin' -c 'ENV GOPATH=/go' -c 'ENV HOME=/root' - "$tag" >/dev/null
echo "built $tag from $goroot ($version)"
