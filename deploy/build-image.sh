#!/usr/bin/env bash
# Builds the dynago image (deploy/Dockerfile.binary) from a static binary
# built here, with the first of docker, podman or buildah found.
#
#   deploy/build-image.sh [TAG]      # TAG defaults to dynago:dev
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
tag="${1:-dynago:dev}"
ctx="$(mktemp -d "${TMPDIR:-/tmp}/dynago-image.XXXXXX")"
trap 'rm -rf "$ctx"' EXIT

version="$(git -C "$root" describe --always --dirty 2>/dev/null || echo dev)"
(cd "$root" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$ctx/dynago" ./cmd/dynago \
	&& CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$ctx/dynago-transfer" ./cmd/dynago-transfer)
mkdir "$ctx/data"
cp "$here/Dockerfile.binary" "$ctx/Dockerfile"

for builder in docker podman buildah; do
	if command -v "$builder" >/dev/null && "$builder" info >/dev/null 2>&1; then
		case "$builder" in
		buildah) buildah bud -t "$tag" "$ctx" ;;
		*) "$builder" build -t "$tag" "$ctx" ;;
		esac
		echo "built $tag with $builder"
		exit 0
	fi
done
echo "build-image: no working docker, podman or buildah" >&2
exit 1
