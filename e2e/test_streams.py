"""DynamoDB Streams through boto3's dynamodbstreams client.

A consumer written the way applications write one (DescribeStream, then
GetShardIterator and GetRecords for every shard, following child shards)
must see every change of a mixed workload exactly once and in per-item
order, with the record fields DynamoDB writes.
"""

import http.server
import json
import os
import random
import tempfile
import threading
import time
import unittest

import boto3
import botocore.config
from botocore.exceptions import ClientError

from dynago_process import DynagoProcess, ServerTestCase, wait_active

TABLE = "StreamOrders"


class StreamServer(ServerTestCase):
    """ServerTestCase whose dynago runs with the class's extra flags."""

    flags = ()

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="dynago-e2e-")
        cls.server = DynagoProcess(os.path.join(cls.tmp.name, "data"), extra_args=cls.flags).start()
        cls.client = cls.server.client()
        cls.streams = boto3.client(
            "dynamodbstreams", endpoint_url=cls.server.url,
            region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")

    def error(self, call, **kw):
        """The (code, message) call answers with."""
        with self.assertRaises(ClientError) as cm:
            call(**kw)
        e = cm.exception.response["Error"]
        return e["Code"], e["Message"]


class Streams(StreamServer, unittest.TestCase):
    # Shards roll over every second, so the consumer follows child shards.
    flags = ("--stream-rollover", "1s")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        out = cls.client.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        cls.arn = out["TableDescription"]["LatestStreamArn"]
        wait_active(cls.client, TABLE)

    def consume(self):
        """Every record of the stream, by a user-style shard walk."""
        seen, pending = [], []
        done = self.walked = set()
        self.kids = {}
        desc = self.streams.describe_stream(StreamArn=self.arn)["StreamDescription"]
        shards = list(desc["Shards"])
        while "LastEvaluatedShardId" in desc:
            desc = self.streams.describe_stream(
                StreamArn=self.arn, ExclusiveStartShardId=desc["LastEvaluatedShardId"])["StreamDescription"]
            shards += desc["Shards"]
        pending = [s["ShardId"] for s in shards if "ParentShardId" not in s or
                   s["ParentShardId"] not in {x["ShardId"] for x in shards}]
        while pending:
            shard = pending.pop(0)
            if shard in done:
                continue
            done.add(shard)
            it = self.streams.get_shard_iterator(
                StreamArn=self.arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            while it:
                out = self.streams.get_records(ShardIterator=it, Limit=1000)
                seen += out["Records"]
                if not out["Records"]:
                    break
                it = out.get("NextShardIterator")
            kids = self.streams.describe_stream(
                StreamArn=self.arn,
                ShardFilter={"Type": "CHILD_SHARDS", "ShardId": shard})["StreamDescription"]["Shards"]
            self.kids[shard] = len(kids)
            pending += [k["ShardId"] for k in kids]
        return seen

    def test_mixed_workload_exactly_once_in_order(self):
        rng = random.Random(7)
        state, expected = {}, {}
        for i in range(10000):
            # Throughput that needs more partitions splits the shards:
            # ⌈5/3000 + 1500/1000⌉ = 2 partitions, then ⌈5/3000 +
            # 4000/1000⌉ = 5 (UpdateTable splits both shards, then one of
            # the four again).
            if i == 3000:
                self.client.update_table(
                    TableName=TABLE, BillingMode="PROVISIONED",
                    ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 1500})
            elif i == 6000:
                self.client.update_table(
                    TableName=TABLE,
                    ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 4000})
            key = "k%03d" % rng.randrange(500)
            op = rng.random()
            if op < 0.6:
                v = str(i)
                self.client.put_item(TableName=TABLE, Item={"pk": {"S": key}, "v": {"N": v}})
                event = "MODIFY" if key in state else "INSERT"
                state[key] = v
                expected.setdefault(key, []).append((event, v))
            elif op < 0.8:
                if key in state:
                    self.client.update_item(
                        TableName=TABLE, Key={"pk": {"S": key}}, UpdateExpression="SET v = :v",
                        ExpressionAttributeValues={":v": {"N": str(i)}})
                    state[key] = str(i)
                    expected[key].append(("MODIFY", str(i)))
            else:
                self.client.delete_item(TableName=TABLE, Key={"pk": {"S": key}})
                if key in state:
                    del state[key]
                    expected[key].append(("REMOVE", None))
        got = {}
        ids = set()
        for r in self.consume():
            self.assertEqual(r["eventSource"], "aws:dynamodb")
            self.assertEqual(r["awsRegion"], "us-east-1")
            self.assertNotIn(r["eventID"], ids)
            ids.add(r["eventID"])
            d = r["dynamodb"]
            self.assertEqual(d["StreamViewType"], "NEW_AND_OLD_IMAGES")
            key = d["Keys"]["pk"]["S"]
            new = d.get("NewImage", {}).get("v", {}).get("N")
            got.setdefault(key, []).append((r["eventName"], new))
            if r["eventName"] != "INSERT":
                self.assertIn("OldImage", d)
        self.assertEqual(got, expected)
        # The workload outlasts several rollovers: the walk followed children,
        # and through the splits: four shards with two children, and at
        # least the five open shards without (a rollover while the walk
        # runs can close a walked shard after it was asked).
        self.assertGreater(len(self.walked), 2)
        self.assertEqual(list(self.kids.values()).count(2), 4)
        self.assertGreaterEqual(list(self.kids.values()).count(0), 5)

    def test_errors(self):
        with self.assertRaises(ClientError) as cm:
            self.client.update_table(
                TableName=TABLE, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
        self.assertEqual(cm.exception.response["Error"]["Message"],
                         "Table already has an enabled stream: TableName: " + TABLE)
        with self.assertRaises(ClientError) as cm:
            self.streams.get_records(ShardIterator="not-an-iterator-at-all")
        self.assertEqual(cm.exception.response["Error"]["Code"], "ValidationException")
        with self.assertRaises(ClientError) as cm:
            self.streams.describe_stream(StreamArn=self.arn.replace(TABLE, "NoSuchTable"))
        self.assertEqual(cm.exception.response["Error"]["Code"], "ResourceNotFoundException")

    def test_list_streams(self):
        out = self.streams.list_streams(TableName=TABLE)
        self.assertEqual([s["StreamArn"] for s in out["Streams"]], [self.arn])


def make_table(client, name, view_type, **kw):
    """A table with a stream of view_type; returns its stream ARN."""
    out = client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": view_type}, **kw)
    wait_active(client, name)
    return out["TableDescription"]["LatestStreamArn"]


def shard_records(streams, arn, shard_id, kind="TRIM_HORIZON", seq=None, limit=1000):
    """The records a GetRecords loop reads from one shard from kind."""
    kw = {"SequenceNumber": seq} if seq else {}
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard_id, ShardIteratorType=kind, **kw)["ShardIterator"]
    out = []
    while it:
        page = streams.get_records(ShardIterator=it, Limit=limit)
        out += page["Records"]
        if not page["Records"]:
            break
        it = page.get("NextShardIterator")
    return out


class StreamsAPI(StreamServer, unittest.TestCase):
    """Every view type, iterator type and record field, and the errors."""

    flags = ("--stream-rollover", "0", "--ttl-interval", "200ms")

    def test_view_types_and_record_fields(self):
        for vt in ("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"):
            name = "View" + vt.replace("_", "")
            arn = make_table(self.client, name, vt)
            before = int(time.time())
            self.client.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
            self.client.update_item(TableName=name, Key={"pk": {"S": "a"}}, UpdateExpression="SET v = :v",
                                    ExpressionAttributeValues={":v": {"N": "2"}})
            self.client.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"N": "2"}})  # no change: no record
            with self.assertRaises(ClientError):  # a failed condition: no record
                self.client.put_item(TableName=name, Item={"pk": {"S": "b"}}, ConditionExpression="attribute_exists(pk)")
            self.client.delete_item(TableName=name, Key={"pk": {"S": "a"}})
            self.client.delete_item(TableName=name, Key={"pk": {"S": "zz"}})  # deletes nothing: no record
            after = int(time.time()) + 1
            desc = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]
            self.assertEqual((desc["StreamStatus"], desc["StreamViewType"], desc["TableName"]), ("ENABLED", vt, name))
            self.assertEqual(desc["KeySchema"], [{"AttributeName": "pk", "KeyType": "HASH"}])
            recs = shard_records(self.streams, arn, desc["Shards"][0]["ShardId"])
            self.assertEqual([r["eventName"] for r in recs], ["INSERT", "MODIFY", "REMOVE"], vt)
            prev = 0
            for r, new, old in zip(recs, ("1", "2", None), (None, "1", "2")):
                self.assertEqual((r["eventSource"], r["eventVersion"], r["awsRegion"]), ("aws:dynamodb", "1.1", "us-east-1"))
                self.assertNotIn("userIdentity", r)
                d = r["dynamodb"]
                self.assertEqual(d["Keys"], {"pk": {"S": "a"}})
                self.assertEqual(d["StreamViewType"], vt)
                self.assertTrue(d["SequenceNumber"].isdigit() and len(d["SequenceNumber"]) >= 21)
                self.assertGreater(int(d["SequenceNumber"]), prev)
                prev = int(d["SequenceNumber"])
                self.assertGreater(d["SizeBytes"], 0)
                at = d["ApproximateCreationDateTime"].timestamp()
                self.assertTrue(before <= at <= after and at == int(at), at)
                want_new = new if vt in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES") else None
                want_old = old if vt in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES") else None
                self.assertEqual(d.get("NewImage", {}).get("v", {}).get("N"), want_new, (vt, r["eventName"]))
                self.assertEqual(d.get("OldImage", {}).get("v", {}).get("N"), want_old, (vt, r["eventName"]))

    def test_iterator_types(self):
        arn = make_table(self.client, "Iters", "KEYS_ONLY")
        for k in "abcd":
            self.client.put_item(TableName="Iters", Item={"pk": {"S": k}})
        shard = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
        shard_id = shard["ShardId"]
        self.assertLessEqual(len(shard_id), 65)
        self.assertNotIn("EndingSequenceNumber", shard["SequenceNumberRange"])
        keys = lambda recs: [r["dynamodb"]["Keys"]["pk"]["S"] for r in recs]
        recs = shard_records(self.streams, arn, shard_id)
        self.assertEqual(keys(recs), list("abcd"))
        seqs = [r["dynamodb"]["SequenceNumber"] for r in recs]
        self.assertEqual(keys(shard_records(self.streams, arn, shard_id, "AT_SEQUENCE_NUMBER", seqs[1])), list("bcd"))
        self.assertEqual(keys(shard_records(self.streams, arn, shard_id, "AFTER_SEQUENCE_NUMBER", seqs[1])), list("cd"))
        start = shard["SequenceNumberRange"]["StartingSequenceNumber"]
        self.assertEqual(keys(shard_records(self.streams, arn, shard_id, "AT_SEQUENCE_NUMBER", start)), list("abcd"))
        self.assertEqual(keys(shard_records(self.streams, arn, shard_id, limit=3)), list("abcd"))
        latest = self.streams.get_shard_iterator(StreamArn=arn, ShardId=shard_id, ShardIteratorType="LATEST")["ShardIterator"]
        page = self.streams.get_records(ShardIterator=latest)
        self.assertEqual(page["Records"], [])
        self.client.put_item(TableName="Iters", Item={"pk": {"S": "e"}})
        page = self.streams.get_records(ShardIterator=page["NextShardIterator"])
        self.assertEqual(keys(page["Records"]), ["e"])
        page = self.streams.get_records(ShardIterator=latest)  # an iterator can be used again
        self.assertEqual(keys(page["Records"]), ["e"])

    def test_errors(self):
        arn = make_table(self.client, "Errs", "NEW_IMAGE")
        shard_id = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        code, _ = self.error(self.streams.describe_stream, StreamArn="sdfadfsdfnlfkajakfgjalksfgklasjklasdjfklasdfasdfgasf")
        self.assertEqual(code, "ValidationException")
        code, _ = self.error(self.streams.describe_stream, StreamArn=arn.replace("Errs", "NoSuchTable"))
        self.assertEqual(code, "ResourceNotFoundException")
        self.assertEqual(self.error(self.streams.list_streams, Limit=101), ("ValidationException",
                         "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: "
                         "Member must have value less than or equal to 100"))
        code, _ = self.error(self.streams.get_shard_iterator, StreamArn=arn, ShardId="shardId-00000000000000000000-deadbeef",
                             ShardIteratorType="LATEST")
        self.assertEqual(code, "ResourceNotFoundException")
        code, _ = self.error(self.streams.get_shard_iterator, StreamArn=arn, ShardId=shard_id,
                             ShardIteratorType="AT_SEQUENCE_NUMBER")
        self.assertEqual(code, "ValidationException")
        code, _ = self.error(self.streams.get_shard_iterator, StreamArn=arn, ShardId=shard_id,
                             ShardIteratorType="TRIM_HORIZON", SequenceNumber="1" * 21)
        self.assertEqual(code, "ValidationException")
        code, _ = self.error(self.streams.get_records, ShardIterator="not-an-iterator-at-all")
        self.assertEqual(code, "ValidationException")
        it = self.streams.get_shard_iterator(StreamArn=arn, ShardId=shard_id, ShardIteratorType="LATEST")["ShardIterator"]
        self.assertEqual(self.error(self.streams.get_records, ShardIterator=it, Limit=1001), ("ValidationException",
                         "1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: "
                         "Member must have value less than or equal to 1000"))
        # DescribeStream past every shard: an empty page, as DynamoDB answers.
        desc = self.streams.describe_stream(StreamArn=arn, ExclusiveStartShardId="shardId-99999999999999999999-ffffffff")
        self.assertEqual(desc["StreamDescription"]["Shards"], [])

    def test_ttl_deletion_identity(self):
        arn = make_table(self.client, "Expiring", "NEW_AND_OLD_IMAGES")
        self.client.update_time_to_live(TableName="Expiring",
                                        TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
        self.client.put_item(TableName="Expiring", Item={"pk": {"S": "old"}, "exp": {"N": str(int(time.time()) - 60)}})
        self.client.put_item(TableName="Expiring", Item={"pk": {"S": "user"}})
        self.client.delete_item(TableName="Expiring", Key={"pk": {"S": "user"}})
        shard_id = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        deadline = time.monotonic() + 20
        while True:
            recs = shard_records(self.streams, arn, shard_id)
            if len(recs) >= 4 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        removes = {r["dynamodb"]["Keys"]["pk"]["S"]: r for r in recs if r["eventName"] == "REMOVE"}
        self.assertEqual(set(removes), {"old", "user"})
        self.assertEqual(removes["old"]["userIdentity"], {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"})
        self.assertIn("OldImage", removes["old"]["dynamodb"])
        self.assertNotIn("userIdentity", removes["user"])

    def test_disable_and_delete(self):
        arn = make_table(self.client, "Gone", "KEYS_ONLY")
        self.client.put_item(TableName="Gone", Item={"pk": {"S": "a"}})
        self.client.update_table(TableName="Gone", StreamSpecification={"StreamEnabled": False})
        desc = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]
        self.assertEqual(desc["StreamStatus"], "DISABLED")
        self.assertIn("EndingSequenceNumber", desc["Shards"][0]["SequenceNumberRange"])
        table = self.client.describe_table(TableName="Gone")["Table"]
        self.assertNotIn("StreamSpecification", table)
        self.assertEqual(table["LatestStreamArn"], arn)
        second = self.client.update_table(
            TableName="Gone", StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
        )["TableDescription"]["LatestStreamArn"]
        self.assertNotEqual(second, arn)
        self.client.put_item(TableName="Gone", Item={"pk": {"S": "b"}})
        self.client.delete_table(TableName="Gone")
        listed = self.streams.list_streams(TableName="Gone")["Streams"]
        self.assertEqual([s["StreamArn"] for s in listed], [arn, second])
        for stream, key in ((arn, "a"), (second, "b")):
            desc = self.streams.describe_stream(StreamArn=stream)["StreamDescription"]
            self.assertEqual(desc["StreamStatus"], "DISABLED")
            recs = []
            for sh in desc["Shards"]:
                self.assertIn("EndingSequenceNumber", sh["SequenceNumberRange"])
                recs += shard_records(self.streams, stream, sh["ShardId"])
            self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in recs], [key])


class StreamsRetention(StreamServer, unittest.TestCase):
    """Records past retention are trimmed; a deleted table's stream goes."""

    flags = ("--stream-retention", "3s", "--stream-rollover", "0")

    def test_trimmed_and_expired_streams(self):
        arn = make_table(self.client, "Short", "KEYS_ONLY")
        self.client.put_item(TableName="Short", Item={"pk": {"S": "a"}})
        shard_id = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        recs = shard_records(self.streams, arn, shard_id)
        self.assertEqual(len(recs), 1)
        it = self.streams.get_shard_iterator(StreamArn=arn, ShardId=shard_id,
                                             ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        deadline = time.monotonic() + 30
        code = None
        while time.monotonic() < deadline and code is None:
            try:
                self.streams.get_records(ShardIterator=it)
            except ClientError as e:
                code = e.response["Error"]["Code"]
            time.sleep(0.1)
        self.assertEqual(code, "TrimmedDataAccessException")
        self.assertEqual(shard_records(self.streams, arn, shard_id), [])
        self.client.delete_table(TableName="Short")
        self.assertEqual(len(self.streams.list_streams(TableName="Short")["Streams"]), 1)
        while time.monotonic() < deadline:
            if not self.streams.list_streams()["Streams"]:
                break
            time.sleep(0.1)
        self.assertEqual(self.streams.list_streams()["Streams"], [])
        code, _ = self.error(self.streams.describe_stream, StreamArn=arn)
        self.assertEqual(code, "ResourceNotFoundException")


class StreamsReaderLimit(StreamServer, unittest.TestCase):
    # DynamoDB throttles more than two processes reading one shard.
    flags = ("--stream-shard-readers", "2", "--stream-rollover", "0")

    def test_third_reader_limit_exceeded(self):
        arn = make_table(self.client, "StreamReaders", "KEYS_ONLY")
        self.client.put_item(TableName="StreamReaders", Item={"pk": {"S": "a"}})
        shard = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        # No retries: a retrying client would wait the readers out.
        streams = boto3.client(
            "dynamodbstreams", endpoint_url=self.server.url, region_name="us-east-1",
            aws_access_key_id="x", aws_secret_access_key="x",
            config=botocore.config.Config(retries={"total_max_attempts": 1}))

        def iterator():
            return streams.get_shard_iterator(
                StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]

        first, second, third = iterator(), iterator(), iterator()
        nxt = streams.get_records(ShardIterator=first)["NextShardIterator"]
        self.assertEqual(len(streams.get_records(ShardIterator=second)["Records"]), 1)
        self.assertEqual(self.error(streams.get_records, ShardIterator=third),
                         ("LimitExceededException", "Too many operations for a given subscriber."))
        # The two readers go on.
        streams.get_records(ShardIterator=nxt)


class StreamsWebhook(StreamServer, unittest.TestCase):
    """--stream-webhook POSTs records as Lambda's DynamoDB events."""

    @classmethod
    def setUpClass(cls):
        cls.events = []

        class Hook(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                cls.events.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        cls.hook = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
        threading.Thread(target=cls.hook.serve_forever, daemon=True).start()
        cls.flags = ("--stream-webhook", "http://127.0.0.1:%d/" % cls.hook.server_port)
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls.hook.shutdown()

    def test_lambda_events(self):
        arn = make_table(self.client, "Pushed", "NEW_AND_OLD_IMAGES")
        self.client.put_item(TableName="Pushed", Item={"pk": {"S": "a"}, "v": {"N": "1"}})
        self.client.put_item(TableName="Pushed", Item={"pk": {"S": "a"}, "v": {"N": "2"}})
        self.client.delete_item(TableName="Pushed", Key={"pk": {"S": "a"}})
        deadline = time.monotonic() + 20
        while sum(len(e["Records"]) for e in self.events) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        recs = [r for e in self.events for r in e["Records"]]
        self.assertEqual([r["eventName"] for r in recs], ["INSERT", "MODIFY", "REMOVE"])
        for r in recs:
            self.assertEqual((r["eventSource"], r["eventSourceARN"], r["awsRegion"]), ("aws:dynamodb", arn, "us-east-1"))
            self.assertEqual(r["dynamodb"]["Keys"], {"pk": {"S": "a"}})
        self.assertEqual(recs[1]["dynamodb"]["OldImage"]["v"], {"N": "1"})
        self.assertEqual(recs[1]["dynamodb"]["NewImage"]["v"], {"N": "2"})


if __name__ == "__main__":
    unittest.main()
