#!/usr/bin/env bash
# Starts a built dynago image with docker and talks to it with boto3: a
# DynamoDB Local command line (-inMemory -sharedDb -port N), then a volume
# kept across two containers (-dbPath /data -sharedDb), then `dynago import`
# and `dynago export` run inside the container.
#
#   deploy/build-image.sh dynago:dev && deploy/smoke-image.sh dynago:dev
#
# The containers share the host's network (--network host) and listen on
# 127.0.0.1 only (DYNAGO_HOST overrides the image's 0.0.0.0), so nothing
# but the loopback interface carries the test's traffic and no bridge
# network is needed. Exits non-zero on the first failure.
set -euo pipefail

tag="${1:-dynago:dev}"
port="$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')"
name="dynago-smoke-$$"
vol="dynago-smoke-$$"
cleanup() {
	docker rm -f -v "$name" >/dev/null 2>&1 || true
	docker volume rm "$vol" >/dev/null 2>&1 || true
}
trap cleanup EXIT

start() { # start ARGS...: a detached container on $port, waited for
	docker run -d --name "$name" --network host -e DYNAGO_HOST=127.0.0.1 "$@" >/dev/null
	for _ in $(seq 100); do
		if curl -s -o /dev/null "http://127.0.0.1:$port/"; then return 0; fi
		sleep 0.1
	done
	docker logs "$name" >&2
	echo "smoke-image: no answer on port $port" >&2
	return 1
}

boto() { # boto PYTHON: runs PYTHON with c, a boto3 client for the container
	python3 -c "
import boto3
c = boto3.client('dynamodb', endpoint_url='http://127.0.0.1:$port', region_name='us-east-1',
                 aws_access_key_id='smoke', aws_secret_access_key='smoke')
$1"
}

echo "== $tag -inMemory -sharedDb -port $port"
start "$tag" -inMemory -sharedDb -port "$port"
boto "
c.create_table(TableName='Smoke', KeySchema=[{'AttributeName': 'id', 'KeyType': 'HASH'}],
               AttributeDefinitions=[{'AttributeName': 'id', 'AttributeType': 'S'}], BillingMode='PAY_PER_REQUEST')
c.put_item(TableName='Smoke', Item={'id': {'S': 'a'}, 'n': {'N': '1'}})
assert c.list_tables()['TableNames'] == ['Smoke']
assert c.get_item(TableName='Smoke', Key={'id': {'S': 'a'}})['Item'] == {'id': {'S': 'a'}, 'n': {'N': '1'}}
print('in memory: CreateTable, PutItem, ListTables, GetItem ok')"
docker logs "$name" 2>&1 | grep -q 'msg=request op=GetItem table=Smoke status=200' || {
	docker logs "$name" >&2
	echo "smoke-image: no access-log line for GetItem" >&2
	exit 1
}
docker rm -f -v "$name" >/dev/null

echo "== $tag -dbPath /data -sharedDb -port $port, volume $vol, twice"
start -v "$vol:/data" "$tag" -dbPath /data -sharedDb -port "$port"
boto "
c.create_table(TableName='Kept', KeySchema=[{'AttributeName': 'id', 'KeyType': 'HASH'}],
               AttributeDefinitions=[{'AttributeName': 'id', 'AttributeType': 'S'}], BillingMode='PAY_PER_REQUEST')
c.put_item(TableName='Kept', Item={'id': {'S': 'k1'}})"
printf '{"id":"j1","v":1}\n{"id":"j2","v":2}\n' |
	docker exec -i "$name" /dynago import --endpoint-url "http://127.0.0.1:$port" --table Kept --format jsonl -
docker stop -t 20 "$name" >/dev/null
code="$(docker inspect -f '{{.State.ExitCode}}' "$name")"
[ "$code" = 0 ] || { docker logs "$name" >&2; echo "smoke-image: exit code $code after docker stop" >&2; exit 1; }
docker rm -v "$name" >/dev/null
start -v "$vol:/data" "$tag" -dbPath /data -sharedDb -port "$port"
boto "
assert c.get_item(TableName='Kept', Key={'id': {'S': 'k1'}})['Item'] == {'id': {'S': 'k1'}}
assert c.scan(TableName='Kept', Select='COUNT')['Count'] == 3
print('volume: the table and its 3 items survived a new container')"
out="$(docker exec "$name" /dynago export --endpoint-url "http://127.0.0.1:$port" --table Kept --format jsonl - | sort)"
want='{"id":"j1","v":1}
{"id":"j2","v":2}
{"id":"k1"}'
[ "$out" = "$want" ] || { echo "smoke-image: export gave:"; echo "$out"; exit 1; } >&2
echo "export inside the container: 3 items ok"
echo "smoke-image: $tag ok"
