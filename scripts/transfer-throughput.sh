#!/usr/bin/env bash
# Measures `dynago import` and `dynago export` as a user runs them: the
# real binaries, a server started with DynamoDB Local's command line
# (-inMemory -sharedDb, throttling off) in its own process, N CSV lines
# over loopback. Prints each direction's items/s and the CPU seconds of
# the client and of the server.
#
#   scripts/transfer-throughput.sh [N]      # N defaults to 1000000
set -euo pipefail

n="${1:-1000000}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/dynago-throughput.XXXXXX")"
server=""
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

(cd "$root" && go build -o "$work/dynago" ./cmd/dynago && go build -o "$work/dynago-transfer" ./cmd/dynago-transfer)
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_DYNAMODB || true

# The CSV of e2e/test_local_transfer.py: ~55 bytes a line, 7 columns.
python3 - "$n" "$work/in.csv" <<'PY'
import csv, sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["pk", "sk", "name", "price", "zip", "active", "tags"])
    for i in range(n):
        w.writerow(["user#%07d" % i, i % 7, "Lovelace, Ada %d" % i if i % 3 == 0 else "Ada %d" % i,
                    "%d.25" % i, "%05d" % (i % 1000), "true" if i % 2 == 0 else "false",
                    '{"SS":["a","t%d"]}' % i if i % 10 == 0 else ""])
PY
port="$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')"
url="http://127.0.0.1:$port"
"$work/dynago" -inMemory -sharedDb -port "$port" --throttle=false --access-log=false >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -s -o /dev/null "$url/" && break; sleep 0.1; done
python3 -c "
import boto3
c = boto3.client('dynamodb', endpoint_url='$url', region_name='us-east-1', aws_access_key_id='x', aws_secret_access_key='x')
c.create_table(TableName='Throughput', BillingMode='PAY_PER_REQUEST',
    KeySchema=[{'AttributeName': 'pk', 'KeyType': 'HASH'}, {'AttributeName': 'sk', 'KeyType': 'RANGE'}],
    AttributeDefinitions=[{'AttributeName': 'pk', 'AttributeType': 'S'}, {'AttributeName': 'sk', 'AttributeType': 'N'}])"

server_cpu() { awk '{print ($14 + $15) / 100}' "/proc/$server/stat"; }
measure() { # measure WHAT ARGS...: runs dynago ARGS, prints its figures
	local what="$1"
	shift
	local cpu0 start end cpu1
	cpu0="$(server_cpu)"
	start="$(date +%s.%N)"
	/usr/bin/time -f "%U %S" -o "$work/time" "$work/dynago" "$@" --endpoint-url "$url" --table Throughput --progress none 2>"$work/out" || {
		cat "$work/out" >&2
		exit 1
	}
	end="$(date +%s.%N)"
	cpu1="$(server_cpu)"
	python3 -c "
n, s = $n, $end - $start
u, sy = map(float, open('$work/time').read().split()[-2:])
srv = $cpu1 - $cpu0
print('%s: %d items in %.1f s: %.0f items/s; CPU: client %.1f s, server %.1f s; %.0f items per CPU-second' % ('$what', n, s, n / s, u + sy, srv, n / (u + sy + srv)))"
	tail -1 "$work/out"
}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
measure "import CSV" import "$work/in.csv"
measure "export DynamoDB JSON" export "$work/out.json"
measure "export CSV" export "$work/out.csv"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
