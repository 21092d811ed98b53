"""PartiQL through boto3 and the AWS CLI: every result is compared with the
native operation's result on the same data, and errors with DynamoDB's
exact code and message. test_partiql_forms.py covers every statement
form, parameter and literal type and function; this file the basics and
the AWS CLI's three PartiQL commands, reads and writes."""

import json
import os
import shutil
import subprocess
import unittest

from botocore.exceptions import ClientError

from dynago_process import ServerTestCase, wait_active

TABLE = "PartiQLMusic"
AWS = shutil.which("aws")


class PartiQL(ServerTestCase, unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client = cls.server.client()
        cls.client.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "N"}],
            BillingMode="PAY_PER_REQUEST")
        wait_active(cls.client, TABLE)
        for i in range(1, 6):
            cls.client.execute_statement(
                Statement='INSERT INTO "%s" VALUE {\'pk\': ?, \'sk\': ?, \'v\': ?}' % TABLE,
                Parameters=[{"S": "a"}, {"N": str(i)}, {"S": "v%d" % i}])

    def test_select_matches_query(self):
        got = self.client.execute_statement(
            Statement='SELECT * FROM "%s" WHERE pk = ? AND sk BETWEEN 2 AND 4' % TABLE,
            Parameters=[{"S": "a"}])["Items"]
        want = self.client.query(
            TableName=TABLE, KeyConditionExpression="pk = :p AND sk BETWEEN :l AND :h",
            ExpressionAttributeValues={":p": {"S": "a"}, ":l": {"N": "2"}, ":h": {"N": "4"}})["Items"]
        self.assertEqual(got, want)
        self.assertEqual(len(got), 3)

    def test_paging(self):
        items, token = [], None
        while True:
            kw = {"NextToken": token} if token else {}
            out = self.client.execute_statement(
                Statement='SELECT sk FROM "%s" WHERE pk = \'a\'' % TABLE, Limit=2, **kw)
            items += out["Items"]
            token = out.get("NextToken")
            if not token:
                break
        self.assertEqual([i["sk"]["N"] for i in items], ["1", "2", "3", "4", "5"])

    def test_duplicate_insert(self):
        with self.assertRaises(ClientError) as cm:
            self.client.execute_statement(
                Statement='INSERT INTO "%s" VALUE {\'pk\': \'a\', \'sk\': 1}' % TABLE)
        err = cm.exception.response["Error"]
        self.assertEqual(err["Code"], "DuplicateItemException")
        self.assertEqual(err["Message"], "Duplicate primary key exists in table")

    def test_update_returning_and_condition(self):
        self.client.execute_statement(
            Statement='INSERT INTO "%s" VALUE {\'pk\': \'u\', \'sk\': 1, \'n\': 1}' % TABLE)
        out = self.client.execute_statement(
            Statement='UPDATE "%s" SET n = n + 1 WHERE pk = \'u\' AND sk = 1 RETURNING ALL NEW *' % TABLE)
        native = self.client.get_item(TableName=TABLE, Key={"pk": {"S": "u"}, "sk": {"N": "1"}})["Item"]
        self.assertEqual(out["Items"], [native])
        with self.assertRaises(ClientError) as cm:
            self.client.execute_statement(
                Statement='UPDATE "%s" SET n = 0 WHERE pk = \'nope\' AND sk = 1' % TABLE)
        self.assertEqual(cm.exception.response["Error"]["Code"], "ConditionalCheckFailedException")

    def test_syntax_error(self):
        with self.assertRaises(ClientError) as cm:
            self.client.execute_statement(Statement='SELEC * FROM "%s"' % TABLE)
        err = cm.exception.response["Error"]
        self.assertEqual(err["Code"], "ValidationException")
        self.assertTrue(err["Message"].startswith("Statement wasn't well formed, can't be processed:"), err["Message"])

    def test_batch_and_transaction(self):
        out = self.client.batch_execute_statement(Statements=[
            {"Statement": 'SELECT v FROM "%s" WHERE pk = \'a\' AND sk = 1' % TABLE},
            {"Statement": 'SELECT v FROM "%s" WHERE pk = \'a\'' % TABLE},
        ])["Responses"]
        self.assertEqual(out[0]["Item"], {"v": {"S": "v1"}})
        self.assertEqual(out[1]["Error"]["Code"], "ValidationError")
        self.client.execute_transaction(TransactStatements=[
            {"Statement": 'INSERT INTO "%s" VALUE {\'pk\': \'t\', \'sk\': 1}' % TABLE},
            {"Statement": 'DELETE FROM "%s" WHERE pk = \'a\' AND sk = 5' % TABLE},
        ])
        self.assertIn("Item", self.client.get_item(TableName=TABLE, Key={"pk": {"S": "t"}, "sk": {"N": "1"}}))
        self.client.execute_statement(
            Statement='INSERT INTO "%s" VALUE {\'pk\': \'a\', \'sk\': 5, \'v\': \'v5\'}' % TABLE)

    @unittest.skipIf(AWS is None, "the aws CLI is not installed")
    def test_aws_cli(self):
        env = dict(os.environ, AWS_ACCESS_KEY_ID="dynago", AWS_SECRET_ACCESS_KEY="dynago",
                   AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="", AWS_EC2_METADATA_DISABLED="true")

        def aws(*args):
            p = subprocess.run([AWS, "dynamodb", *args, "--endpoint-url", self.server.url, "--output", "json"],
                               capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            return json.loads(p.stdout) if p.stdout.strip() else {}

        out = aws("execute-statement", "--statement",
                  'SELECT v FROM "%s" WHERE pk = ? AND sk = 2' % TABLE, "--parameters", '[{"S": "a"}]')
        self.assertEqual(out["Items"], [{"v": {"S": "v2"}}])
        out = aws("batch-execute-statement", "--statements",
                  json.dumps([{"Statement": 'SELECT v FROM "%s" WHERE pk = \'a\' AND sk = 3' % TABLE}]))
        self.assertEqual(out["Responses"][0]["Item"], {"v": {"S": "v3"}})
        out = aws("execute-transaction", "--transact-statements",
                  json.dumps([{"Statement": 'SELECT v FROM "%s" WHERE pk = \'a\' AND sk = 4' % TABLE}]))
        self.assertEqual(out["Responses"], [{"Item": {"v": {"S": "v4"}}}])
        # Writes: an INSERT with parameters, a batch of writes, and a write
        # transaction with a ClientRequestToken, each checked with GetItem.
        aws("execute-statement", "--statement", 'INSERT INTO "%s" VALUE {\'pk\': ?, \'sk\': ?, \'v\': ?}' % TABLE,
            "--parameters", '[{"S": "cli"}, {"N": "1"}, {"BOOL": true}]')
        out = aws("batch-execute-statement", "--statements", json.dumps([
            {"Statement": 'INSERT INTO "%s" VALUE {\'pk\': \'cli\', \'sk\': 2}' % TABLE},
            {"Statement": 'INSERT INTO "%s" VALUE {\'pk\': \'cli\', \'sk\': 1}' % TABLE}]))
        self.assertNotIn("Error", out["Responses"][0])
        self.assertEqual(out["Responses"][1]["Error"]["Code"], "DuplicateItem")
        out = aws("execute-transaction", "--client-request-token", "cli-token", "--transact-statements", json.dumps([
            {"Statement": 'UPDATE "%s" SET n = 7 WHERE pk = \'cli\' AND sk = 2' % TABLE},
            {"Statement": 'DELETE FROM "%s" WHERE pk = \'cli\' AND sk = 1' % TABLE}]))
        self.assertEqual(out.get("Responses", []), [])
        key = lambda sk: {"pk": {"S": "cli"}, "sk": {"N": str(sk)}}
        self.assertEqual(self.client.get_item(TableName=TABLE, Key=key(2))["Item"]["n"], {"N": "7"})
        self.assertNotIn("Item", self.client.get_item(TableName=TABLE, Key=key(1)))


if __name__ == "__main__":
    unittest.main()
