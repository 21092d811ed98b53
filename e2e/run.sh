#!/usr/bin/env bash
# Runs the boto3 end-to-end suite: builds the dynago binary with `go build`,
# then runs every e2e/test_*.py (python3 stdlib unittest; boto3 must be
# importable) against it. Each test class starts its own dynago on a free
# loopback port and a temporary data directory.
#
#   e2e/run.sh              # the whole suite
#   e2e/run.sh restart      # only tests whose names contain "restart"
#   DYNAGO_BUILD_TAGS=tikv DYNAGO_TIKV=mock e2e/run.sh
#                           # every server on the mock TiKV cluster (tests
#                           # that need data on disk skip, saying why)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
work="$(mktemp -d "${TMPDIR:-/tmp}/dynago-e2e.XXXXXX")"
trap 'rm -rf "$work"' EXIT

python3 -c 'import boto3' 2>/dev/null || { echo "e2e: python3 cannot import boto3" >&2; exit 1; }

echo "e2e: building dynago and dynago-transfer (which \`dynago import\` and \`dynago export\` run, found beside dynago)"
(cd "$root" && go build ${DYNAGO_BUILD_TAGS:+-tags "$DYNAGO_BUILD_TAGS"} -o "$work/dynago" ./cmd/dynago && go build -o "$work/dynago-transfer" ./cmd/dynago-transfer)
export DYNAGO_BIN="$work/dynago"
# Keep the suite from reading a developer's AWS settings.
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_DYNAMODB || true

cd "$here"
python3 -B main.py "$@"
