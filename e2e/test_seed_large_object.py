"""Seed 003 ("Store Large Object in DynamoDB", pynamodb_mate): a model
keyed by url whose big attributes live in S3 while the item keeps their S3
URIs. pynamodb isn't installed here (and can't be), so this replays the
DynamoDB requests the notebook's cells make, through boto3, and checks the
output the notebook shows: notably In [6]'s delete returning
{'ConsumedCapacity': {'CapacityUnits': 1.0, 'TableName': ...}}."""

import hashlib
import unittest

from dynago_process import ServerTestCase, wait_active

TABLE = "pynamodb-mate-example-store-large-object"
BUCKET = "aws-data-lab-sanhe-for-opensource"


def s3_uri(data, ext):
    # pynamodb_mate names the S3 object after the sha256 of the data.
    return "s3://%s/pynamodb_mate/s3backed/%s.%s" % (BUCKET, hashlib.sha256(data).hexdigest(), ext)


class LargeObjectModel(ServerTestCase, unittest.TestCase):

    def test_write_read_update_delete(self):
        client = self.server.client()
        # UrlModel.create_table(wait=True), billing_mode PAY_PER_REQUEST
        client.create_table(
            TableName=TABLE,
            AttributeDefinitions=[{"AttributeName": "url", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "url", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST")
        wait_active(client, TABLE)

        # In [3]: Write
        url = "https://pynamodb-mate.readthedocs.io/en/latest/"
        html = "<html>Hello World!</html>"
        content = "this is a dummy image!".encode("utf-8")
        client.put_item(TableName=TABLE, Item={
            "url": {"S": url},
            "html": {"S": s3_uri(html.encode(), "html")},
            "content": {"S": s3_uri(content, "dat")},
        })

        # In [4]: Read (UrlModel.get issues a consistent GetItem)
        got = client.get_item(TableName=TABLE, Key={"url": {"S": url}}, ConsistentRead=True)["Item"]
        self.assertEqual(got["html"]["S"], s3_uri(html.encode(), "html"))
        self.assertEqual(got["content"]["S"], s3_uri(content, "dat"))

        # In [5]: Update, as pynamodb sends it (numbered placeholders), then refresh()
        new_html, new_content = "<html>Hello DynamoDB</html>", "this is a real image!".encode("utf-8")
        client.update_item(
            TableName=TABLE, Key={"url": {"S": url}},
            UpdateExpression="SET #0 = :0, #1 = :1",
            ExpressionAttributeNames={"#0": "html", "#1": "content"},
            ExpressionAttributeValues={":0": {"S": s3_uri(new_html.encode(), "html")},
                                       ":1": {"S": s3_uri(new_content, "dat")}},
            ReturnValues="NONE")
        got = client.get_item(TableName=TABLE, Key={"url": {"S": url}}, ConsistentRead=True)["Item"]
        self.assertEqual(got["html"]["S"], s3_uri(new_html.encode(), "html"))
        self.assertEqual(got["content"]["S"], s3_uri(new_content, "dat"))

        # In [6]: delete; pynamodb asks for TOTAL consumed capacity and the
        # notebook prints the response.
        resp = client.delete_item(TableName=TABLE, Key={"url": {"S": url}}, ReturnConsumedCapacity="TOTAL")
        resp.pop("ResponseMetadata")
        self.assertEqual(resp, {"ConsumedCapacity": {"CapacityUnits": 1.0, "TableName": TABLE}})
        self.assertNotIn("Item", client.get_item(TableName=TABLE, Key={"url": {"S": url}}))


if __name__ == "__main__":
    unittest.main()
