"""The AWS CLI against a started dynago, through --endpoint-url, as the
README shows. Skipped when `aws` is not installed (.ci/run installs it)."""

import json
import os
import shutil
import subprocess
import unittest

from dynago_process import ServerTestCase

AWS = shutil.which("aws")


@unittest.skipIf(AWS is None, "the aws CLI is not installed")
class AWSCLI(ServerTestCase, unittest.TestCase):

    def aws(self, *args, ok=True, service="dynamodb"):
        env = dict(os.environ, AWS_ACCESS_KEY_ID="dynago", AWS_SECRET_ACCESS_KEY="dynago",
                   AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="", AWS_EC2_METADATA_DISABLED="true")
        env.pop("AWS_PROFILE", None)
        p = subprocess.run([AWS, service, *args, "--endpoint-url", self.server.url, "--output", "json"],
                           capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=60)
        if ok:
            self.assertEqual(p.returncode, 0, "aws %s %s: %s" % (service, " ".join(args), p.stderr))
            return json.loads(p.stdout) if p.stdout.strip() else {}
        self.assertNotEqual(p.returncode, 0)
        return p.stderr

    def test_cli_round_trip(self):
        out = self.aws("create-table", "--table-name", "Music",
                       "--attribute-definitions", "AttributeName=Artist,AttributeType=S", "AttributeName=SongTitle,AttributeType=S",
                       "--key-schema", "AttributeName=Artist,KeyType=HASH", "AttributeName=SongTitle,KeyType=RANGE",
                       "--billing-mode", "PAY_PER_REQUEST")
        self.assertEqual(out["TableDescription"]["TableName"], "Music")
        self.aws("wait", "table-exists", "--table-name", "Music")
        self.assertEqual(self.aws("list-tables")["TableNames"], ["Music"])
        self.assertEqual(self.aws("describe-table", "--table-name", "Music")["Table"]["TableStatus"], "ACTIVE")

        self.aws("put-item", "--table-name", "Music", "--item",
                 '{"Artist": {"S": "No One You Know"}, "SongTitle": {"S": "Call Me Today"}, "Year": {"N": "2015"}}')
        songs = [{"PutRequest": {"Item": {"Artist": {"S": "Acme Band"}, "SongTitle": {"S": "Song %02d" % i}}}}
                 for i in range(30)]
        for batch in (songs[:25], songs[25:]):  # 25 is BatchWriteItem's limit
            out = self.aws("batch-write-item", "--request-items", json.dumps({"Music": batch}))
            self.assertEqual(out.get("UnprocessedItems", {}), {})
        got = self.aws("get-item", "--table-name", "Music", "--key",
                       '{"Artist": {"S": "No One You Know"}, "SongTitle": {"S": "Call Me Today"}}')
        self.assertEqual(got["Item"]["Year"], {"N": "2015"})

        q = self.aws("query", "--table-name", "Music",
                     "--key-condition-expression", "Artist = :a AND begins_with(SongTitle, :p)",
                     "--expression-attribute-values", '{":a": {"S": "Acme Band"}, ":p": {"S": "Song 1"}}')
        self.assertEqual([i["SongTitle"]["S"] for i in q["Items"]], ["Song %02d" % i for i in range(10, 20)])

        # The CLI pages through the scan itself (--page-size sets Limit).
        s = self.aws("scan", "--table-name", "Music", "--page-size", "7")
        self.assertEqual(len(s["Items"]), 31)
        c = self.aws("scan", "--table-name", "Music", "--select", "COUNT")
        self.assertEqual(c["Count"], 31)

        self.aws("delete-item", "--table-name", "Music", "--key",
                 '{"Artist": {"S": "No One You Know"}, "SongTitle": {"S": "Call Me Today"}}')
        self.assertEqual(self.aws("get-item", "--table-name", "Music", "--key",
                                  '{"Artist": {"S": "No One You Know"}, "SongTitle": {"S": "Call Me Today"}}'), {})

        err = self.aws("describe-table", "--table-name", "Nope", ok=False)
        self.assertIn("An error occurred (ResourceNotFoundException) when calling the DescribeTable operation: "
                      "Requested resource not found: Table: Nope not found", err)

        self.aws("delete-table", "--table-name", "Music")
        self.aws("wait", "table-not-exists", "--table-name", "Music")
        self.assertEqual(self.aws("list-tables")["TableNames"], [])


    def streams(self, *args, ok=True):
        return self.aws(*args, ok=ok, service="dynamodbstreams")

    def test_cli_streams(self):
        """aws dynamodbstreams list-streams, describe-stream,
        get-shard-iterator and get-records read what aws dynamodb wrote."""
        out = self.aws("create-table", "--table-name", "Events",
                       "--attribute-definitions", "AttributeName=id,AttributeType=S",
                       "--key-schema", "AttributeName=id,KeyType=HASH",
                       "--billing-mode", "PAY_PER_REQUEST",
                       "--stream-specification", "StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES")
        arn = out["TableDescription"]["LatestStreamArn"]
        self.aws("wait", "table-exists", "--table-name", "Events")
        self.aws("put-item", "--table-name", "Events", "--item", '{"id": {"S": "a"}, "n": {"N": "1"}}')
        self.aws("put-item", "--table-name", "Events", "--item", '{"id": {"S": "a"}, "n": {"N": "2"}}')
        self.aws("delete-item", "--table-name", "Events", "--key", '{"id": {"S": "a"}}')

        streams = self.streams("list-streams", "--table-name", "Events")["Streams"]
        self.assertEqual([s["StreamArn"] for s in streams], [arn])
        self.assertEqual(streams[0]["TableName"], "Events")
        d = self.streams("describe-stream", "--stream-arn", arn)["StreamDescription"]
        self.assertEqual(d["StreamStatus"], "ENABLED")
        self.assertEqual(d["StreamViewType"], "NEW_AND_OLD_IMAGES")
        self.assertEqual(d["KeySchema"], [{"AttributeName": "id", "KeyType": "HASH"}])
        records = []
        for shard in d["Shards"]:
            it = self.streams("get-shard-iterator", "--stream-arn", arn, "--shard-id", shard["ShardId"],
                              "--shard-iterator-type", "TRIM_HORIZON")["ShardIterator"]
            while it:
                page = self.streams("get-records", "--shard-iterator", it)
                records += page["Records"]
                if not page["Records"]:
                    break
                it = page.get("NextShardIterator")
        self.assertEqual([r["eventName"] for r in records], ["INSERT", "MODIFY", "REMOVE"])
        self.assertEqual(records[1]["dynamodb"]["OldImage"], {"id": {"S": "a"}, "n": {"N": "1"}})
        self.assertEqual(records[1]["dynamodb"]["NewImage"], {"id": {"S": "a"}, "n": {"N": "2"}})
        self.assertEqual(records[2]["dynamodb"]["Keys"], {"id": {"S": "a"}})
        seqs = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
        self.assertEqual(seqs, sorted(seqs))

        err = self.streams("describe-stream", "--stream-arn", arn.replace("Events", "Nope"), ok=False)
        self.assertIn("(ResourceNotFoundException) when calling the DescribeStream operation: "
                      "Requested resource not found: Stream: %s not found" % arn.replace("Events", "Nope"), err)
        err = self.streams("get-records", "--shard-iterator", "garbage", ok=False)
        self.assertIn("(ValidationException) when calling the GetRecords operation", err)
        self.aws("delete-table", "--table-name", "Events")  # the class shares one server
        self.aws("wait", "table-not-exists", "--table-name", "Events")


if __name__ == "__main__":
    unittest.main()
