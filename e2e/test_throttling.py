"""Throttled batch writes through boto3: the seed's 500 products (seed 002,
"Python Script to insert bulk data into DynamoDB") written with
batch_writer to a PROVISIONED table whose burst capacity is already
spent. Dynago writes what the table's 25 WCU allow and returns the rest in
UnprocessedItems, which batch_writer sends again, so the program finishes
without an error at the table's rate, as against DynamoDB. The test prints
how long the 500 writes took."""

import sys
import time
import unittest
import urllib.request

import boto3

from dynago_process import CREDENTIALS, REGION, ServerTestCase, wait_active

WCU = 25
# 300 s of burst at 25 WCU; spent with 25 writes of 300 KB (300 WCU each).
BURST_UNITS = 300 * WCU
DRAIN_ITEM_KB = 300


def metric(url, name, labels):
    """The value of one series of /metrics (0 when absent)."""
    text = urllib.request.urlopen(url + "/metrics").read().decode()
    want = ",".join('%s="%s"' % kv for kv in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith(name + "{"):
            series, value = line.rsplit(" ", 1)
            got = ",".join(sorted(series[len(name) + 1:-1].split(",")))
            if got == want:
                return float(value)
    return 0.0


class ThrottledBatchWriter(ServerTestCase, unittest.TestCase):

    def test_batch_writer_500_items_on_a_low_wcu_table(self):
        # boto3's own retry settings, as a user's program has them.
        dynamodb = boto3.resource("dynamodb", endpoint_url=self.server.url,
                                  region_name=REGION, **CREDENTIALS)
        client = dynamodb.meta.client
        client.create_table(
            TableName="Products",
            KeySchema=[{"AttributeName": "productId", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "productId", "AttributeType": "S"}],
            ProvisionedThroughput={"ReadCapacityUnits": 1000, "WriteCapacityUnits": WCU},
        )
        wait_active(client, "Products")
        table = dynamodb.Table("Products")

        # Spend the burst capacity, so the batch runs at the table's rate.
        filler = "x" * (DRAIN_ITEM_KB * 1024 - len("productId") - len("drain00") - len("data"))
        for i in range(BURST_UNITS // DRAIN_ITEM_KB):
            table.put_item(Item={"productId": "drain%02d" % i, "data": filler})

        unprocessed = []

        def count_unprocessed(http_response, parsed, **kwargs):
            n = sum(len(v) for v in parsed.get("UnprocessedItems", {}).values())
            if n:
                unprocessed.append(n)

        client.meta.events.register("after-call.dynamodb.BatchWriteItem", count_unprocessed)

        bulk_data = [
            {'productId': str(i), 'name': f'Product-{i}', 'price': 100 + i, 'stock': 50 + i}
            for i in range(1, 501)
        ]
        start = time.monotonic()
        for i in range(0, len(bulk_data), 25):
            with table.batch_writer() as batch_writer:
                for item in bulk_data[i:i + 25]:
                    batch_writer.put_item(Item=item)
        elapsed = time.monotonic() - start
        print("\nthrottling: boto3 batch_writer wrote 500 items to a %d-WCU table with its burst spent "
              "in %.1f s; %d responses returned %d unprocessed items in all"
              % (WCU, elapsed, len(unprocessed), sum(unprocessed)), file=sys.stderr)

        count = sum(page["Count"] for page in client.get_paginator("scan").paginate(
            TableName="Products", Select="COUNT", ConsistentRead=True))  # 1 MB pages
        self.assertEqual(count, 500 + BURST_UNITS // DRAIN_ITEM_KB)
        self.assertEqual(table.get_item(Key={"productId": "500"})["Item"]["name"], "Product-500")
        self.assertTrue(unprocessed, "no BatchWriteItem returned UnprocessedItems: the table was not throttled")
        self.assertGreater(metric(self.server.url, "dynago_write_throttle_events_total",
                                  {"table": "Products", "index": ""}), 0)
        # 500 one-unit writes at 25 WCU take about 20 s, less what refilled
        # while the burst was being spent.
        self.assertGreater(elapsed, 10)
        self.assertLess(elapsed, 60)


if __name__ == "__main__":
    unittest.main()
