"""Seed 002 ("DynamoDB", Python Script to insert bulk data into DynamoDB):
500 products written with batch_writer in batches of 25, then counted by a
Scan. The program below is the blog's, with only the endpoint added and
the Products table created first (the blog made it in the console)."""

import io
import math
import unittest
from contextlib import redirect_stdout
from decimal import Decimal

from dynago_process import ServerTestCase, wait_active


class ProductsBulkInsert(ServerTestCase, unittest.TestCase):

    def setUp(self):
        dynamodb = self.server.resource()
        if "Products" not in [t.name for t in dynamodb.tables.all()]:
            dynamodb.create_table(
                TableName="Products",
                KeySchema=[{"AttributeName": "productId", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "productId", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )
            wait_active(self.server.client(), "Products")
        self.table = dynamodb.Table("Products")  # Replace 'Products' with your table name

    def insert_seed_data(self):
        table = self.table

        # --- the seed's program ---
        # Generate bulk data
        bulk_data = [
            {'productId': str(i), 'name': f'Product-{i}', 'price': 100 + i, 'stock': 50 + i}
            for i in range(1, 501)  # Example: Insert 500 items
        ]

        # Function to insert bulk data
        def insert_bulk_data(items, table, batch_size=25):
            total_items = len(items)
            num_batches = math.ceil(total_items / batch_size)
            print(f"Total items: {total_items}, Batch size: {batch_size}, Total batches: {num_batches}")

            for i in range(0, total_items, batch_size):
                batch = items[i:i + batch_size]
                with table.batch_writer() as batch_writer:
                    for item in batch:
                        batch_writer.put_item(Item=item)
                print(f"Batch {i // batch_size + 1}/{num_batches} inserted successfully!")

        # Call the function to insert data
        insert_bulk_data(bulk_data, table)
        # --- end of the seed's program ---

    def test_500_products_in_batches_of_25(self):
        out = io.StringIO()
        with redirect_stdout(out):
            self.insert_seed_data()
        log = out.getvalue().splitlines()
        # The blog's "Sample Output Logs".
        self.assertEqual(log[0], "Total items: 500, Batch size: 25, Total batches: 20")
        self.assertEqual(log[1], "Batch 1/20 inserted successfully!")
        self.assertEqual(log[-1], "Batch 20/20 inserted successfully!")

        # The blog's Verification step, verbatim.
        table = self.table
        response = table.scan()
        self.assertEqual(f"Total items in the table: {len(response['Items'])}",
                         "Total items in the table: 500")  # Expected Output

        # The blog's "Sample Input" rows read back.
        self.assertEqual(table.get_item(Key={"productId": "1"})["Item"],
                         {"productId": "1", "name": "Product-1", "price": Decimal(101), "stock": Decimal(51)})
        self.assertEqual(table.get_item(Key={"productId": "500"})["Item"],
                         {"productId": "500", "name": "Product-500", "price": Decimal(600), "stock": Decimal(550)})

        # Counting with paging, as a table past 1 MB needs: follow
        # LastEvaluatedKey, with small pages so there are many.
        seen, pages = set(), 0
        kwargs = {"Limit": 37}
        while True:
            page = table.scan(**kwargs)
            pages += 1
            self.assertLessEqual(len(page["Items"]), 37)
            for it in page["Items"]:
                self.assertNotIn(it["productId"], seen)
                seen.add(it["productId"])
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        self.assertEqual(seen, {str(i) for i in range(1, 501)})
        self.assertGreaterEqual(pages, 14)

        # And with boto3's own paginator and Select COUNT.
        client = self.server.client()
        total = sum(p["Count"] for p in client.get_paginator("scan").paginate(
            TableName="Products", Select="COUNT", PaginationConfig={"PageSize": 100}))
        self.assertEqual(total, 500)

    def test_batch_writer_overwrites_are_not_duplicated(self):
        # Running the seed twice leaves 500 items, not 1000.
        with redirect_stdout(io.StringIO()):
            self.insert_seed_data()
            self.insert_seed_data()
        self.assertEqual(self.table.scan(Select="COUNT")["Count"], 500)


if __name__ == "__main__":
    unittest.main()
