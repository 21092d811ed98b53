"""Data survives a restart of the binary: the seeds' tables written, the
server stopped with SIGTERM (and, separately, killed with SIGKILL), a new
server started on the same --data-dir, and everything read back."""

import os
import tempfile
import unittest
from decimal import Decimal

import boto3

from dynago_process import DynagoProcess, needs_disk, wait_active


class Restart(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="dynago-restart-")
        self.data = os.path.join(self.tmp.name, "data")
        self.server = None

    def tearDown(self):
        if self.server is not None:
            self.server.kill()
        self.tmp.cleanup()

    def write_seed_data(self):
        dynamodb = self.server.resource()
        dynamodb.create_table(
            TableName="Products",
            KeySchema=[{"AttributeName": "productId", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "productId", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST")
        dynamodb.create_table(
            TableName="InstagramStories",
            KeySchema=[{"AttributeName": "user_id", "KeyType": "HASH"},
                       {"AttributeName": "story_id", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "user_id", "AttributeType": "S"},
                                  {"AttributeName": "story_id", "AttributeType": "S"}],
            ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5})
        wait_active(self.server.client(), "Products")
        wait_active(self.server.client(), "InstagramStories")
        with dynamodb.Table("Products").batch_writer() as batch:  # seed 002
            for i in range(1, 501):
                batch.put_item(Item={'productId': str(i), 'name': f'Product-{i}', 'price': 100 + i, 'stock': 50 + i})
        stories = dynamodb.Table("InstagramStories")
        stories.put_item(Item={'user_id': 'U1', 'story_id': 'S1', 'title': 'Sunset at the beach', 'is_memory': False, 'likes_count': 0})
        stories.put_item(Item={'user_id': 'U2', 'story_id': 'S2', 'title': 'Morning run', 'is_memory': True, 'likes_count': 10})
        stories.delete_item(Key={'user_id': 'U2', 'story_id': 'S2'})  # a delete must survive too

    def check_seed_data(self):
        client = self.server.client()
        self.assertEqual(sorted(client.list_tables()["TableNames"]), ["InstagramStories", "Products"])
        desc = client.describe_table(TableName="InstagramStories")["Table"]
        self.assertEqual(desc["TableStatus"], "ACTIVE")
        self.assertEqual([k["AttributeName"] for k in desc["KeySchema"]], ["user_id", "story_id"])
        self.assertEqual(desc["ProvisionedThroughput"]["ReadCapacityUnits"], 5)

        dynamodb = self.server.resource()
        total = sum(p["Count"] for p in client.get_paginator("scan").paginate(TableName="Products", Select="COUNT"))
        self.assertEqual(total, 500)
        self.assertEqual(dynamodb.Table("Products").get_item(Key={"productId": "500"})["Item"],
                         {"productId": "500", "name": "Product-500", "price": Decimal(600), "stock": Decimal(550)})
        stories = dynamodb.Table("InstagramStories")
        u1 = stories.query(KeyConditionExpression=boto3.dynamodb.conditions.Key('user_id').eq('U1'))["Items"]
        self.assertEqual([s["title"] for s in u1], ["Sunset at the beach"])
        self.assertNotIn("Item", stories.get_item(Key={'user_id': 'U2', 'story_id': 'S2'}))

    @needs_disk
    def test_data_survives_sigterm_restart(self):
        self.server = DynagoProcess(self.data).start()
        self.write_seed_data()
        self.assertEqual(self.server.stop(), 0, self.server.output())
        self.server = DynagoProcess(self.data).start()
        self.check_seed_data()
        # Writes after the restart work and survive another one.
        self.server.resource().Table("Products").put_item(Item={"productId": "501"})
        self.server.stop()
        self.server = DynagoProcess(self.data).start()
        self.assertIn("Item", self.server.resource().Table("Products").get_item(Key={"productId": "501"}))

    @needs_disk
    def test_data_survives_sigkill(self):
        self.server = DynagoProcess(self.data).start()
        self.write_seed_data()
        self.server.kill()  # no shutdown at all: every acknowledged write must be on disk
        self.server = DynagoProcess(self.data).start()
        self.check_seed_data()

    def test_in_memory_keeps_nothing(self):
        self.server = DynagoProcess(None, extra_args=["--in-memory"], cwd=self.tmp.name).start()
        self.server.client().create_table(
            TableName="Scratch",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST")
        port = self.server.port
        self.server.stop()
        self.server = DynagoProcess(None, port=port, extra_args=["--in-memory"], cwd=self.tmp.name).start()
        self.assertEqual(self.server.client().list_tables()["TableNames"], [])
        self.assertFalse(os.path.exists(os.path.join(self.tmp.name, "dynago-data")),
                         "--in-memory wrote a data directory")


if __name__ == "__main__":
    unittest.main()
