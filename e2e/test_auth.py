"""`dynago serve --auth FILE` as a boto3 application sees it: signatures
verified against the auth file's keys, requests authorized with its users'
policies (AccessDeniedException in IAM's words, fine-grained access by
partition key), accounts and regions as namespaces, resource-based policies
across accounts, and the file reloaded on SIGHUP."""

import json
import os
import signal
import tempfile
import time
import unittest

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from dynago_process import REGION, DynagoProcess, wait_active

ACCOUNT_A = "111111111111"
ACCOUNT_B = "222222222222"


def auth_file(extra_key=None):
    admin_keys = [{"id": "AKIAE2EADMINA", "secret": "e2e-secret-admin-a"}]
    if extra_key:
        admin_keys.append(extra_key)
    return {
        "accounts": {
            ACCOUNT_A: {"users": {
                "admin": {"accessKeys": admin_keys, "policies": [{
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"},
                                  {"Effect": "Deny", "Action": "dynamodb:DeleteItem",
                                   "Resource": "arn:aws:dynamodb:*:%s:table/ledger" % ACCOUNT_A}]}]},
                "alice": {"accessKeys": [{"id": "AKIAE2EALICE", "secret": "e2e-secret-alice"}], "policies": [{
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow",
                                   "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
                                   "Resource": "arn:aws:dynamodb:*:%s:table/sessions" % ACCOUNT_A,
                                   "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["${aws:username}"]}}}]}]},
                "tagger": {"accessKeys": [{"id": "AKIAE2ETAGGER", "secret": "e2e-secret-tagger"}], "policies": [{
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "dynamodb:CreateTable", "Resource": "*",
                                   "Condition": {"StringEquals": {"aws:RequestTag/team": "blue"},
                                                 "ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}}},
                                  {"Effect": "Allow", "Action": ["dynamodb:TagResource", "dynamodb:UntagResource"],
                                   "Resource": "*",
                                   "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["env"]},
                                                 "StringEquals": {"aws:ResourceTag/team": "blue"}}},
                                  {"Effect": "Allow", "Action": "dynamodb:DescribeTable", "Resource": "*",
                                   "Condition": {"StringEquals": {"aws:ResourceTag/team": "blue"}}}]}]},
            }},
            ACCOUNT_B: {"users": {
                "admin": {"accessKeys": [{"id": "AKIAE2EADMINB", "secret": "e2e-secret-admin-b"}], "policies": [{
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}]},
            }},
        }
    }


class AuthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="dynago-e2e-auth-")
        cls.auth_path = os.path.join(cls.tmp.name, "auth.json")
        with open(cls.auth_path, "w") as f:
            json.dump(auth_file(), f)
        os.chmod(cls.auth_path, 0o600)
        cls.server = DynagoProcess(os.path.join(cls.tmp.name, "data"), extra_args=["--auth", cls.auth_path]).start()

    @classmethod
    def tearDownClass(cls):
        try:
            code = cls.server.stop()
            if code not in (0, None):
                raise AssertionError("dynago exited %s after SIGTERM:\n%s" % (code, cls.server.output()))
        finally:
            cls.tmp.cleanup()

    def client(self, key, secret, region=REGION):
        return boto3.client("dynamodb", endpoint_url=self.server.url, region_name=region,
                            aws_access_key_id=key, aws_secret_access_key=secret,
                            config=Config(retries={"max_attempts": 1}))

    def admin_a(self, region=REGION):
        return self.client("AKIAE2EADMINA", "e2e-secret-admin-a", region)

    def admin_b(self):
        return self.client("AKIAE2EADMINB", "e2e-secret-admin-b")

    def assertError(self, code, message, fn, *args, **kwargs):
        with self.assertRaises(ClientError) as cm:
            fn(*args, **kwargs)
        err = cm.exception.response["Error"]
        self.assertEqual(err["Code"], code, err)
        self.assertEqual(err["Message"], message)

    def make_table(self, c, name):
        c.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                       AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                       BillingMode="PAY_PER_REQUEST")
        wait_active(c, name)

    def test_wrong_secret_and_unknown_key(self):
        self.assertError("UnrecognizedClientException", "The security token included in the request is invalid.",
                         self.client("dynago", "dynago").list_tables)
        with self.assertRaises(ClientError) as cm:
            self.client("AKIAE2EADMINA", "not-the-secret").list_tables()
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidSignatureException")

    def test_fine_grained_access(self):
        admin = self.admin_a()
        self.make_table(admin, "sessions")
        alice = self.client("AKIAE2EALICE", "e2e-secret-alice")
        alice.put_item(TableName="sessions", Item={"pk": {"S": "alice"}, "n": {"N": "1"}})
        self.assertEqual(alice.get_item(TableName="sessions", Key={"pk": {"S": "alice"}})["Item"]["n"], {"N": "1"})
        table = "arn:aws:dynamodb:%s:%s:table/sessions" % (REGION, ACCOUNT_A)
        user = "arn:aws:iam::%s:user/alice" % ACCOUNT_A
        self.assertError("AccessDeniedException",
                         "User: %s is not authorized to perform: dynamodb:PutItem on resource: %s "
                         "because no identity-based policy allows the dynamodb:PutItem action" % (user, table),
                         alice.put_item, TableName="sessions", Item={"pk": {"S": "bob"}})
        self.assertNotIn("Item", admin.get_item(TableName="sessions", Key={"pk": {"S": "bob"}}))
        self.assertError("AccessDeniedException",
                         "User: %s is not authorized to perform: dynamodb:DeleteItem on resource: %s "
                         "because no identity-based policy allows the dynamodb:DeleteItem action" % (user, table),
                         alice.delete_item, TableName="sessions", Key={"pk": {"S": "alice"}})

    def test_explicit_deny(self):
        admin = self.admin_a()
        self.make_table(admin, "ledger")
        admin.put_item(TableName="ledger", Item={"pk": {"S": "x"}})
        self.assertError("AccessDeniedException",
                         "User: arn:aws:iam::%s:user/admin is not authorized to perform: dynamodb:DeleteItem on resource: "
                         "arn:aws:dynamodb:%s:%s:table/ledger with an explicit deny in an identity-based policy"
                         % (ACCOUNT_A, REGION, ACCOUNT_A),
                         admin.delete_item, TableName="ledger", Key={"pk": {"S": "x"}})
        self.assertIn("Item", admin.get_item(TableName="ledger", Key={"pk": {"S": "x"}}))

    def test_namespaces_and_cross_account(self):
        a, b = self.admin_a(), self.admin_b()
        self.make_table(a, "orders")
        a.put_item(TableName="orders", Item={"pk": {"S": "o1"}})
        self.assertNotIn("orders", b.list_tables()["TableNames"])
        self.assertNotIn("orders", self.admin_a("eu-west-1").list_tables()["TableNames"])
        arn = "arn:aws:dynamodb:%s:%s:table/orders" % (REGION, ACCOUNT_A)
        self.assertEqual(a.describe_table(TableName="orders")["Table"]["TableArn"], arn)

        self.assertError("AccessDeniedException",
                         "User: arn:aws:iam::%s:user/admin is not authorized to perform: dynamodb:GetItem on resource: %s "
                         "because no resource-based policy allows the dynamodb:GetItem action" % (ACCOUNT_B, arn),
                         b.get_item, TableName=arn, Key={"pk": {"S": "o1"}})
        policy = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": ACCOUNT_B}, "Action": "dynamodb:GetItem", "Resource": arn}]})
        rev = a.put_resource_policy(ResourceArn=arn, Policy=policy)["RevisionId"]
        got = a.get_resource_policy(ResourceArn=arn)
        self.assertEqual((got["Policy"], got["RevisionId"]), (policy, rev))
        self.assertEqual(b.get_item(TableName=arn, Key={"pk": {"S": "o1"}})["Item"], {"pk": {"S": "o1"}})

        with self.assertRaises(ClientError) as cm:
            a.delete_resource_policy(ResourceArn=arn, ExpectedRevisionId="not-" + rev)
        self.assertEqual(cm.exception.response["Error"]["Code"], "PolicyNotFoundException")
        a.delete_resource_policy(ResourceArn=arn, ExpectedRevisionId=rev)
        self.assertError("PolicyNotFoundException",
                         "Resource-based policy not found for the provided ResourceArn: %s" % arn,
                         a.get_resource_policy, ResourceArn=arn)
        with self.assertRaises(ClientError) as cm:
            b.get_item(TableName=arn, Key={"pk": {"S": "o1"}})
        self.assertEqual(cm.exception.response["Error"]["Code"], "AccessDeniedException")

    def test_request_and_resource_tags(self):
        """aws:RequestTag/<key> and aws:TagKeys on CreateTable's Tags, TagResource and UntagResource,
        aws:ResourceTag/<key> on the table operations."""
        tagger = self.client("AKIAE2ETAGGER", "e2e-secret-tagger")
        user = "arn:aws:iam::%s:user/tagger" % ACCOUNT_A
        arn = lambda name: "arn:aws:dynamodb:%s:%s:table/%s" % (REGION, ACCOUNT_A, name)
        schema = dict(KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                      AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
        denied = lambda action, res: ("User: %s is not authorized to perform: dynamodb:%s on resource: %s "
                                      "because no identity-based policy allows the dynamodb:%s action" % (user, action, res, action))
        self.assertError("AccessDeniedException", denied("CreateTable", arn("red-team")),
                         tagger.create_table, TableName="red-team", Tags=[{"Key": "team", "Value": "red"}], **schema)
        self.assertError("AccessDeniedException", denied("CreateTable", arn("owned-team")),
                         tagger.create_table, TableName="owned-team",
                         Tags=[{"Key": "team", "Value": "blue"}, {"Key": "owner", "Value": "x"}], **schema)
        tagger.create_table(TableName="blue-team", Tags=[{"Key": "team", "Value": "blue"}, {"Key": "env", "Value": "dev"}], **schema)
        wait_active(tagger, "blue-team")
        self.assertError("AccessDeniedException", denied("TagResource", arn("blue-team")),
                         tagger.tag_resource, ResourceArn=arn("blue-team"), Tags=[{"Key": "team", "Value": "red"}])
        tagger.tag_resource(ResourceArn=arn("blue-team"), Tags=[{"Key": "env", "Value": "prod"}])
        self.assertError("AccessDeniedException", denied("UntagResource", arn("blue-team")),
                         tagger.untag_resource, ResourceArn=arn("blue-team"), TagKeys=["team"])
        tagger.untag_resource(ResourceArn=arn("blue-team"), TagKeys=["env"])
        tags = self.admin_a().list_tags_of_resource(ResourceArn=arn("blue-team"))["Tags"]
        self.assertEqual(tags, [{"Key": "team", "Value": "blue"}])
        self.make_table(self.admin_a(), "untagged-team")
        self.assertError("AccessDeniedException", denied("DescribeTable", arn("untagged-team")),
                         tagger.describe_table, TableName="untagged-team")

    def test_sighup_reload(self):
        new = self.client("AKIAE2ENEW", "e2e-secret-new")
        with self.assertRaises(ClientError):
            new.list_tables()
        try:
            with open(self.auth_path, "w") as f:
                json.dump(auth_file({"id": "AKIAE2ENEW", "secret": "e2e-secret-new"}), f)
            self.server.proc.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + 10
            while True:
                try:
                    new.list_tables()
                    break
                except ClientError:
                    if time.monotonic() > deadline:
                        raise AssertionError("the key added to the file was not accepted after SIGHUP:\n"
                                             + self.server.output())
                    time.sleep(0.05)
        finally:
            with open(self.auth_path, "w") as f:
                json.dump(auth_file(), f)
            self.server.proc.send_signal(signal.SIGHUP)


if __name__ == "__main__":
    unittest.main()
