"""Kinesis streaming destinations through boto3: dynago runs with
--kinesis-endpoint pointing at moto's server (`python3 -m moto.server`, a
real Kinesis Data Streams endpoint), a table's changes are delivered to a
moto stream, and a boto3 kinesis consumer reads them back in Kinesis Data
Streams for DynamoDB's record format, per item in order."""

import json
import os
import tempfile
import time
import unittest

import boto3
from botocore.exceptions import ClientError

from dynago_process import DynagoProcess, free_port, wait_active
from test_s3_export_import import start_moto

REGION = "us-east-1"
CREDS = dict(aws_access_key_id="testing", aws_secret_access_key="testing")


class KinesisDestination(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="dynago-e2e-kinesis-")
        cls.moto_port = free_port()
        cls.moto = start_moto(cls.moto_port)
        cls.kinesis_url = "http://127.0.0.1:%d" % cls.moto_port
        env = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_REGION=REGION)
        cls.server = DynagoProcess(os.path.join(cls.tmp.name, "data"),
                                   extra_args=["--kinesis-endpoint", cls.kinesis_url], env=env).start()

    @classmethod
    def tearDownClass(cls):
        try:
            code = cls.server.stop()
            if code not in (0, None):
                raise AssertionError("dynago exited %s:\n%s" % (code, cls.server.output()))
        finally:
            cls.moto.kill()
            cls.moto.wait()
            cls.tmp.cleanup()

    def status(self, ddb, table, arn):
        for d in ddb.describe_kinesis_streaming_destination(TableName=table)["KinesisDataStreamDestinations"]:
            if d["StreamArn"] == arn:
                return d
        return None

    def wait_status(self, ddb, table, arn, want):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            d = self.status(ddb, table, arn)
            if d and d["DestinationStatus"] == want:
                return d
            time.sleep(0.05)
        raise AssertionError("destination %s never became %s: %s" % (arn, want, self.status(ddb, table, arn)))

    def read_all(self, kinesis, stream, want, timeout=20):
        """Every record of every shard, until want records were read (or
        timeout seconds passed)."""
        shards = kinesis.list_shards(StreamName=stream)["Shards"]
        its = {s["ShardId"]: kinesis.get_shard_iterator(StreamName=stream, ShardId=s["ShardId"],
                                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
               for s in shards}
        out = []
        deadline = time.monotonic() + timeout
        while len(out) < want and time.monotonic() < deadline:
            for sid, it in list(its.items()):
                r = kinesis.get_records(ShardIterator=it)
                its[sid] = r["NextShardIterator"]
                out += [json.loads(x["Data"]) for x in r["Records"]]
            time.sleep(0.05)
        return out

    def test_changes_reach_the_stream(self):
        ddb = boto3.client("dynamodb", endpoint_url=self.server.url, region_name=REGION, **CREDS)
        kinesis = boto3.client("kinesis", endpoint_url=self.kinesis_url, region_name=REGION, **CREDS)
        kinesis.create_stream(StreamName="orders-changes", ShardCount=2)
        arn = kinesis.describe_stream_summary(StreamName="orders-changes")["StreamDescriptionSummary"]["StreamARN"]
        ddb.create_table(TableName="Orders", BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
        wait_active(ddb, "Orders")
        self.assertEqual(ddb.describe_kinesis_streaming_destination(TableName="Orders")["KinesisDataStreamDestinations"], [])

        out = ddb.enable_kinesis_streaming_destination(TableName="Orders", StreamArn=arn)
        self.assertEqual(out["DestinationStatus"], "ENABLING")
        d = self.wait_status(ddb, "Orders", arn, "ACTIVE")
        self.assertNotIn("ApproximateCreationDateTimePrecision", d)
        with self.assertRaises(ClientError) as e:
            ddb.enable_kinesis_streaming_destination(TableName="Orders", StreamArn=arn)
        self.assertEqual(e.exception.response["Error"]["Code"], "ValidationException")

        # 20 items, each written three times: insert, modify, remove.
        for i in range(20):
            ddb.put_item(TableName="Orders", Item={"id": {"S": "o%02d" % i}, "n": {"N": "1"}})
        for i in range(20):
            ddb.update_item(TableName="Orders", Key={"id": {"S": "o%02d" % i}},
                            UpdateExpression="SET n = n + :one", ExpressionAttributeValues={":one": {"N": "1"}})
        for i in range(20):
            ddb.delete_item(TableName="Orders", Key={"id": {"S": "o%02d" % i}})
        recs = self.read_all(kinesis, "orders-changes", 60)
        self.assertEqual(len(recs), 60)
        by_item = {}
        for r in recs:
            self.assertEqual(r["eventSource"], "aws:dynamodb")
            self.assertEqual(r["recordFormat"], "application/json")
            self.assertEqual(r["tableName"], "Orders")
            self.assertEqual(r["awsRegion"], REGION)
            self.assertIsNone(r["userIdentity"])
            by_item.setdefault(r["dynamodb"]["Keys"]["id"]["S"], []).append(r)
        self.assertEqual(len(by_item), 20)
        for key, rs in by_item.items():
            self.assertEqual([r["eventName"] for r in rs], ["INSERT", "MODIFY", "REMOVE"], key)
            ins, mod, rem = (r["dynamodb"] for r in rs)
            self.assertEqual(ins["NewImage"], {"id": {"S": key}, "n": {"N": "1"}})
            self.assertNotIn("OldImage", ins)
            self.assertEqual(mod["OldImage"]["n"], {"N": "1"})
            self.assertEqual(mod["NewImage"]["n"], {"N": "2"})
            self.assertEqual(rem["OldImage"]["n"], {"N": "2"})
            self.assertNotIn("NewImage", rem)
            # milliseconds since the epoch, near now
            self.assertLess(abs(ins["ApproximateCreationDateTime"] / 1000 - time.time()), 120)

        # Microsecond precision, then disable: nothing more is delivered.
        out = ddb.update_kinesis_streaming_destination(
            TableName="Orders", StreamArn=arn,
            UpdateKinesisStreamingConfiguration={"ApproximateCreationDateTimePrecision": "MICROSECOND"})
        self.assertEqual(out["DestinationStatus"], "UPDATING")
        self.wait_status(ddb, "Orders", arn, "ACTIVE")
        ddb.put_item(TableName="Orders", Item={"id": {"S": "micro"}})
        recs = self.read_all(kinesis, "orders-changes", 61)
        micro = [r for r in recs if r["dynamodb"]["Keys"]["id"]["S"] == "micro"]
        self.assertEqual(len(micro), 1)
        self.assertEqual(micro[0]["dynamodb"]["ApproximateCreationDateTimePrecision"], "MICROSECOND")
        self.assertLess(abs(micro[0]["dynamodb"]["ApproximateCreationDateTime"] / 1e6 - time.time()), 120)

        self.assertEqual(ddb.disable_kinesis_streaming_destination(TableName="Orders", StreamArn=arn)["DestinationStatus"], "DISABLING")
        self.wait_status(ddb, "Orders", arn, "DISABLED")
        ddb.put_item(TableName="Orders", Item={"id": {"S": "after-disable"}})
        self.assertEqual(len(self.read_all(kinesis, "orders-changes", 62, timeout=1.5)), 61)

    def test_a_missing_stream_fails(self):
        ddb = boto3.client("dynamodb", endpoint_url=self.server.url, region_name=REGION, **CREDS)
        ddb.create_table(TableName="Lonely", BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
        wait_active(ddb, "Lonely")
        arn = "arn:aws:kinesis:us-east-1:123456789012:stream/does-not-exist"
        self.assertEqual(ddb.enable_kinesis_streaming_destination(TableName="Lonely", StreamArn=arn)["DestinationStatus"], "ENABLING")
        d = self.wait_status(ddb, "Lonely", arn, "ENABLE_FAILED")
        self.assertEqual(d["DestinationStatusDescription"], "User does not have a permission to use kinesis stream")
        with self.assertRaises(ClientError) as e:
            ddb.disable_kinesis_streaming_destination(TableName="Lonely", StreamArn=arn)
        self.assertEqual(e.exception.response["Error"]["Message"],
                         "Table is not in a valid state to enable Kinesis Streaming Destination: "
                         "KinesisStreamingDestination must be ACTIVE to perform DISABLE operation.")
        with self.assertRaises(ClientError) as e:
            ddb.describe_kinesis_streaming_destination(TableName="Nowhere")
        self.assertEqual(e.exception.response["Error"]["Code"], "ResourceNotFoundException")


if __name__ == "__main__":
    unittest.main()
