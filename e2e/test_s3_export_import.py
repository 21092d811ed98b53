"""Export to S3 and import from S3 against moto's S3 server.

dynago runs with --s3-endpoint pointing at `python3 -m moto.server`, a real
S3 endpoint. The test exports a table with boto3, reads the export's files
with boto3's s3 client the way a user's script or Athena would
(manifest-summary.json, manifest-files.json, data/*.json.gz), imports them
into a new table with ImportTable and compares the two tables item by item.
The AWS CLI runs the same round trip (export-table-to-point-in-time,
import-table).
"""

import base64
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

import boto3
from botocore.exceptions import ClientError

from dynago_process import DynagoProcess, REGION, free_port, wait_active

AWS = shutil.which("aws")
TASK_TIMEOUT_S = 120
CREDS = dict(aws_access_key_id="testing", aws_secret_access_key="testing")
TABLE_ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/"


def start_moto(port):
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError("moto.server exited with %s" % proc.returncode)
        try:
            urllib.request.urlopen("http://127.0.0.1:%d/moto-api/" % port, timeout=1).read()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("moto.server did not start")


def item(i):
    return {
        "pk": {"S": "user#%04d" % i}, "sk": {"N": str(i % 5)},
        "name": {"S": "name %d" % i}, "score": {"N": "%d.25" % i}, "active": {"BOOL": i % 2 == 0},
        "tags": {"SS": ["a", "t%d" % i]}, "blob": {"B": bytes([i % 256, 0, 255])},
        "doc": {"M": {"list": {"L": [{"N": "1"}, {"S": "x"}, {"NULL": True}]}}},
    }


def canon(it):
    """An item as sorted JSON, sets sorted, for comparison."""
    def norm(v):
        if isinstance(v, dict):
            out = {}
            for k, x in v.items():
                if k in ("SS", "NS"):
                    out[k] = sorted(x)
                elif k == "BS":
                    out[k] = sorted(bytes(b).hex() for b in x)
                elif k == "B":  # boto3 gives bytes, an export's JSON base64
                    out[k] = base64.b64decode(x).hex() if isinstance(x, str) else bytes(x).hex()
                else:
                    out[k] = norm(x)
            return out
        if isinstance(v, list):
            return [norm(x) for x in v]
        return v
    return json.dumps(norm(it), sort_keys=True)


class S3ExportImport(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="dynago-e2e-s3-")
        cls.moto_port = free_port()
        cls.moto = start_moto(cls.moto_port)
        cls.s3_url = "http://127.0.0.1:%d" % cls.moto_port
        env = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_REGION=REGION)
        cls.server = DynagoProcess(os.path.join(cls.tmp.name, "data"),
                                   extra_args=["--s3-endpoint", cls.s3_url], env=env).start()
        cls.ddb = cls.server.client()
        cls.s3 = boto3.client("s3", endpoint_url=cls.s3_url, region_name=REGION, **CREDS)
        cls.s3.create_bucket(Bucket="exports")

    @classmethod
    def tearDownClass(cls):
        try:
            cls.server.stop()
        finally:
            cls.moto.terminate()
            cls.moto.wait()
            cls.tmp.cleanup()

    def make_source(self, name, n):
        self.ddb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
            BillingMode="PAY_PER_REQUEST")
        wait_active(self.ddb, name)
        self.ddb.update_continuous_backups(
            TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
        for start in range(0, n, 25):
            self.ddb.batch_write_item(RequestItems={name: [
                {"PutRequest": {"Item": item(i)}} for i in range(start, min(n, start + 25))]})

    def scan(self, name):
        out, kw = [], {}
        while True:
            page = self.ddb.scan(TableName=name, **kw)
            out += [canon(i) for i in page["Items"]]
            if "LastEvaluatedKey" not in page:
                return sorted(out)
            kw["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def wait_export(self, arn):
        deadline = time.monotonic() + TASK_TIMEOUT_S
        while True:
            d = self.ddb.describe_export(ExportArn=arn)["ExportDescription"]
            if d["ExportStatus"] != "IN_PROGRESS":
                return d
            self.assertLess(time.monotonic(), deadline, "export still IN_PROGRESS")
            time.sleep(0.1)

    def wait_import(self, arn):
        deadline = time.monotonic() + TASK_TIMEOUT_S
        while True:
            d = self.ddb.describe_import(ImportArn=arn)["ImportTableDescription"]
            if d["ImportStatus"] != "IN_PROGRESS":
                return d
            self.assertLess(time.monotonic(), deadline, "import still IN_PROGRESS")
            time.sleep(0.1)

    def read_export(self, d):
        """The exported items, read from S3 through the manifests."""
        summary = json.loads(self.s3.get_object(Bucket="exports", Key=d["ExportManifest"])["Body"].read())
        self.assertEqual(summary["exportArn"], d["ExportArn"])
        self.assertEqual(summary["outputFormat"], "DYNAMODB_JSON")
        files = self.s3.get_object(Bucket="exports", Key=summary["manifestFilesS3Key"])["Body"].read().decode()
        items, total = [], 0
        for line in files.splitlines():
            f = json.loads(line)
            body = self.s3.get_object(Bucket="exports", Key=f["dataFileS3Key"])["Body"].read()
            lines = [l for l in gzip.decompress(body).decode().splitlines() if l]
            self.assertEqual(len(lines), f["itemCount"])
            total += f["itemCount"]
            for l in lines:
                items.append(json.loads(l)["Item"])
        self.assertEqual(total, summary["itemCount"])
        return items

    def test_export_read_import_compare(self):
        self.make_source("Users", 600)
        with self.assertRaises(ClientError) as e:
            self.ddb.export_table_to_point_in_time(TableArn=TABLE_ARN + "Missing", S3Bucket="exports")
        self.assertEqual(e.exception.response["Error"]["Code"], "TableNotFoundException")

        out = self.ddb.export_table_to_point_in_time(TableArn=TABLE_ARN + "Users", S3Bucket="exports", S3Prefix="daily")
        self.assertEqual(out["ExportDescription"]["ExportStatus"], "IN_PROGRESS")
        d = self.wait_export(out["ExportDescription"]["ExportArn"])
        self.assertEqual(d["ExportStatus"], "COMPLETED", d.get("FailureMessage"))
        self.assertEqual(d["ItemCount"], 600)
        export_id = d["ExportArn"].rsplit("/", 1)[1]
        keys = [o["Key"] for o in self.s3.list_objects_v2(Bucket="exports", Prefix="daily/AWSDynamoDB/" + export_id + "/")["Contents"]]
        for name in ("_started", "manifest-summary.json", "manifest-files.json"):
            self.assertIn("daily/AWSDynamoDB/%s/%s" % (export_id, name), keys)
        self.assertTrue(any(k.endswith(".json.gz") and "/data/" in k for k in keys))

        source = self.scan("Users")
        self.assertEqual(sorted(canon(i) for i in self.read_export(d)), source)

        imp = self.ddb.import_table(
            S3BucketSource={"S3Bucket": "exports", "S3KeyPrefix": "daily/AWSDynamoDB/%s/data/" % export_id},
            InputFormat="DYNAMODB_JSON", InputCompressionType="GZIP",
            TableCreationParameters={
                "TableName": "UsersCopy",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"},
                                         {"AttributeName": "name", "AttributeType": "S"}],
                "BillingMode": "PAY_PER_REQUEST",
                "GlobalSecondaryIndexes": [{"IndexName": "by_name", "KeySchema": [{"AttributeName": "name", "KeyType": "HASH"}],
                                            "Projection": {"ProjectionType": "ALL"}}],
            })
        d = self.wait_import(imp["ImportTableDescription"]["ImportArn"])
        self.assertEqual(d["ImportStatus"], "COMPLETED", d.get("FailureMessage"))
        self.assertEqual((d["ImportedItemCount"], d["ErrorCount"], d["ProcessedItemCount"]), (600, 0, 600))
        self.assertEqual(self.ddb.describe_table(TableName="UsersCopy")["Table"]["TableStatus"], "ACTIVE")
        self.assertEqual(self.scan("UsersCopy"), source)
        q = self.ddb.query(TableName="UsersCopy", IndexName="by_name", KeyConditionExpression="#n = :n",
                           ExpressionAttributeNames={"#n": "name"}, ExpressionAttributeValues={":n": {"S": "name 42"}})
        self.assertEqual([i["pk"]["S"] for i in q["Items"]], ["user#0042"])
        listed = self.ddb.list_imports(TableArn=TABLE_ARN + "UsersCopy")["ImportSummaryList"]
        self.assertEqual([s["ImportStatus"] for s in listed], ["COMPLETED"])

    def test_missing_bucket_fails(self):
        self.make_source("Orders", 10)
        out = self.ddb.export_table_to_point_in_time(TableArn=TABLE_ARN + "Orders", S3Bucket="no-such-bucket")
        d = self.wait_export(out["ExportDescription"]["ExportArn"])
        self.assertEqual((d["ExportStatus"], d.get("FailureCode")), ("FAILED", "S3NoSuchBucket"))
        imp = self.ddb.import_table(
            S3BucketSource={"S3Bucket": "no-such-bucket"}, InputFormat="CSV",
            TableCreationParameters={"TableName": "OrdersCopy", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                                     "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                                     "BillingMode": "PAY_PER_REQUEST"})
        d = self.wait_import(imp["ImportTableDescription"]["ImportArn"])
        self.assertEqual((d["ImportStatus"], d.get("FailureCode")), ("FAILED", "S3NoSuchBucket"))
        with self.assertRaises(ClientError) as e:
            self.ddb.describe_table(TableName="OrdersCopy")
        self.assertEqual(e.exception.response["Error"]["Code"], "ResourceNotFoundException")

    @unittest.skipIf(AWS is None, "the aws CLI is not installed")
    def test_aws_cli_round_trip(self):
        self.make_source("CliTable", 40)
        env = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                   AWS_DEFAULT_REGION=REGION, AWS_PAGER="")

        def aws(*args):
            p = subprocess.run([AWS, "dynamodb", *args, "--endpoint-url", self.server.url, "--output", "json"],
                               capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=60)
            self.assertEqual(p.returncode, 0, "aws dynamodb %s: %s" % (" ".join(args), p.stderr))
            return json.loads(p.stdout)

        out = aws("export-table-to-point-in-time", "--table-arn", TABLE_ARN + "CliTable", "--s3-bucket", "exports",
                  "--s3-prefix", "cli")
        d = self.wait_export(out["ExportDescription"]["ExportArn"])
        self.assertEqual(d["ExportStatus"], "COMPLETED", d.get("FailureMessage"))
        export_id = d["ExportArn"].rsplit("/", 1)[1]
        out = aws("import-table", "--input-format", "DYNAMODB_JSON", "--input-compression-type", "GZIP",
                  "--s3-bucket-source", "S3Bucket=exports,S3KeyPrefix=cli/AWSDynamoDB/%s/data/" % export_id,
                  "--table-creation-parameters", json.dumps({
                      "TableName": "CliCopy", "BillingMode": "PAY_PER_REQUEST",
                      "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                      "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}]}))
        d = self.wait_import(out["ImportTableDescription"]["ImportArn"])
        self.assertEqual(d["ImportStatus"], "COMPLETED", d.get("FailureMessage"))
        self.assertEqual(self.scan("CliCopy"), self.scan("CliTable"))
        self.assertEqual(len(aws("list-exports", "--table-arn", TABLE_ARN + "CliTable")["ExportSummaries"]), 1)


if __name__ == "__main__":
    unittest.main()
