"""DynamoDB Streams through boto3's dynamodbstreams client.

A consumer written the way applications write one (DescribeStream, then
GetShardIterator and GetRecords for every shard, following child shards)
must see every change of a mixed workload exactly once and in per-item
order, with the record fields DynamoDB writes.
"""

import random
import unittest

import boto3
from botocore.exceptions import ClientError

from dynago_process import ServerTestCase, wait_active

TABLE = "StreamOrders"


class Streams(ServerTestCase, unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client = cls.server.client()
        cls.streams = boto3.client(
            "dynamodbstreams", endpoint_url=cls.server.url,
            region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
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
        seen, pending, done = [], [], set()
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
            pending += [k["ShardId"] for k in kids]
        return seen

    def test_mixed_workload_exactly_once_in_order(self):
        rng = random.Random(7)
        state, expected = {}, {}
        for i in range(10000):
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


if __name__ == "__main__":
    unittest.main()
