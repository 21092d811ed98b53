"""The legacy (2017.11.29) global-table operations and the replica auto
scaling pair through boto3, answering as DynamoDB does in 2026 for tables
that are not 2019.11.21 global tables: the legacy version is closed, no
legacy global table exists, and a regional table has no replica auto
scaling (Terraform's aws_dynamodb_global_table reads through these)."""

import unittest

from botocore.exceptions import ClientError

from dynago_process import ServerTestCase, wait_active

LEGACY = ("One or more parameter values were invalid: DynamoDB global tables version 2017.11.29 "
          "is not supported. We recommend using DynamoDB global tables version 2019.11.21, instead "
          "of version 2017.11.29 (Legacy).")


class GlobalTablesLegacy(ServerTestCase, unittest.TestCase):

    def error(self, call, **kwargs):
        with self.assertRaises(ClientError) as cm:
            call(**kwargs)
        return cm.exception.response["Error"]["Code"], cm.exception.response["Error"]["Message"]

    def test_legacy_operations(self):
        client = self.server.client()
        client.create_table(
            TableName="Stories",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        wait_active(client, "Stories")
        group = [{"RegionName": "us-east-1"}, {"RegionName": "eu-west-1"}]
        self.assertEqual(self.error(client.create_global_table, GlobalTableName="Stories", ReplicationGroup=group),
                         ("ValidationException", LEGACY))
        self.assertEqual(self.error(client.describe_global_table, GlobalTableName="Stories"),
                         ("GlobalTableNotFoundException",
                          "Global table not found: Global table with name: 'Stories' does not exist."))
        self.assertEqual(self.error(client.describe_global_table_settings, GlobalTableName="Stories"),
                         ("GlobalTableNotFoundException", "Global table with name: 'Stories' does not exist."))
        self.assertEqual(self.error(client.update_global_table, GlobalTableName="Stories",
                                    ReplicaUpdates=[{"Create": {"RegionName": "eu-west-1"}}]),
                         ("ValidationException", LEGACY))
        self.assertEqual(self.error(client.describe_table_replica_auto_scaling, TableName="Stories"),
                         ("ResourceNotFoundException", "Global table with name: Stories does not exist."))
        out = client.list_global_tables()
        self.assertEqual(out["GlobalTables"], [])
        self.assertNotIn("LastEvaluatedGlobalTableName", out)
        table = client.describe_table(TableName="Stories")["Table"]
        self.assertEqual(table["TableStatus"], "ACTIVE")
        self.assertNotIn("GlobalTableVersion", table)
        self.assertNotIn("Replicas", table)


if __name__ == "__main__":
    unittest.main()
