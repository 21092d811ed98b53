"""Seeds 000 and 001 ("Getting Started with Python and DynamoDB"): OCR
results stored with update_db(), whose fields default to None, and the
size limits the author ran into, with the error text the blog quotes."""

import unittest

from botocore.exceptions import ClientError

from dynago_process import ServerTestCase, wait_active

# The error the blog (seed 001) quotes, character for character.
SEED_RANGE_KEY_ERROR = (
    "An error occurred (ValidationException) when calling the PutItem operation: "
    "One or more parameter values were invalid: Aggregated size of all range keys "
    "has exceeded the size limit of 1024 bytes")

HASH_KEY_MESSAGE = ("One or more parameter values were invalid: Size of hashkey has "
                    "exceeded the maximum size limit of2048 bytes")
ITEM_SIZE_MESSAGE = "Item size has exceeded the maximum allowed size"
MAX_ITEM_BYTES = 400 * 1024


class OCRResults(ServerTestCase, unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        dynamodb = cls.server.resource()
        # "all you have to specify is the partition key": publicId.
        dynamodb.create_table(
            TableName="ocr",
            KeySchema=[{"AttributeName": "publicId", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "publicId", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST")
        # The variant the blog's error came from: the image path as sort key.
        dynamodb.create_table(
            TableName="ocr_by_folder",
            KeySchema=[{"AttributeName": "folder", "KeyType": "HASH"},
                       {"AttributeName": "publicId", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "folder", "AttributeType": "S"},
                                  {"AttributeName": "publicId", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST")
        wait_active(cls.server.client(), "ocr")
        wait_active(cls.server.client(), "ocr_by_folder")
        cls.table = dynamodb.Table("ocr")

    def update_db_from_seed(self):
        table = self.table

        # --- the seed's program (seed 000) ---
        def update_db(public_id, processed=False, detected=False, text=None, error=None):
            try:
                table.put_item(Item={
                    'publicId': public_id,
                    'processed': processed,
                    'detected': detected,
                    'text': text,
                    'error': error
                })
            except ClientError as e:  # the blog's snippet ends inside the try
                print(f"update_db failed: {e}")
                raise
        # --- end of the seed's program ---
        return update_db

    def test_ocr_results_with_none_values(self):
        update_db = self.update_db_from_seed()
        update_db("samples/blank.jpg")  # nothing detected: text and error are None
        update_db("samples/sign.jpg", processed=True, detected=True, text="STOP\nNo parking\n")
        update_db("samples/broken.jpg", processed=True, error="Rate limit exceeded")

        blank = self.table.get_item(Key={"publicId": "samples/blank.jpg"})["Item"]
        self.assertEqual(blank, {"publicId": "samples/blank.jpg", "processed": False,
                                 "detected": False, "text": None, "error": None})
        sign = self.table.get_item(Key={"publicId": "samples/sign.jpg"})["Item"]
        self.assertEqual(sign["text"], "STOP\nNo parking\n")
        self.assertIsNone(sign["error"])
        self.assertIs(sign["detected"], True)

        # On the wire None is DynamoDB's NULL type.
        raw = self.server.client().get_item(TableName="ocr", Key={"publicId": {"S": "samples/blank.jpg"}})
        self.assertEqual(raw["Item"]["text"], {"NULL": True})
        self.assertEqual(raw["Item"]["processed"], {"BOOL": False})

        # "run some queries and extract the data": a scan finds all three.
        items = self.table.scan()["Items"]
        self.assertEqual(sorted(i["publicId"] for i in items if i["publicId"].startswith("samples/")),
                         ["samples/blank.jpg", "samples/broken.jpg", "samples/sign.jpg"])

        # Seed 001's shorter update_db(public_id, text=None).
        self.table.put_item(Item={'publicId': "samples/short.jpg", 'text': None})
        self.assertEqual(self.table.get_item(Key={"publicId": "samples/short.jpg"})["Item"],
                         {"publicId": "samples/short.jpg", "text": None})

    def test_range_key_limit_error_quoted_in_seed_001(self):
        folder_table = self.server.resource().Table("ocr_by_folder")
        long_path = "images/" + "x" * 1018  # 1025 bytes
        with self.assertRaises(ClientError) as cm:
            folder_table.put_item(Item={"folder": "images", "publicId": long_path, "text": None})
        self.assertEqual(str(cm.exception), SEED_RANGE_KEY_ERROR)
        self.assertEqual(cm.exception.response["Error"]["Code"], "ValidationException")
        # 1024 bytes is allowed.
        folder_table.put_item(Item={"folder": "images", "publicId": long_path[:1024]})
        self.assertEqual(folder_table.scan(Select="COUNT")["Count"], 1)

    def test_2048_byte_partition_key_limit(self):
        update_db = self.update_db_from_seed()
        update_db("p" * 2048)  # at the limit: stored
        with self.assertRaises(ClientError) as cm:
            update_db("p" * 2049)
        err = cm.exception.response["Error"]
        self.assertEqual(err["Code"], "ValidationException")
        self.assertEqual(err["Message"], HASH_KEY_MESSAGE)
        # Multi-byte characters count by their UTF-8 bytes: 683 x 3 = 2049.
        with self.assertRaises(ClientError) as cm:
            update_db("€" * 683)
        self.assertEqual(cm.exception.response["Error"]["Message"], HASH_KEY_MESSAGE)
        stored = [i["publicId"] for i in self.table.scan()["Items"]]
        self.assertIn("p" * 2048, stored)
        self.assertFalse([k for k in stored if k.startswith("€") or len(k) > 2048])

    def test_400_kb_item_limit(self):
        # Item size counts attribute names and values:
        # publicId(8) + id(3) + text(4) + len(text) = 400 KB exactly.
        text = "t" * (MAX_ITEM_BYTES - 8 - 3 - 4)
        self.table.put_item(Item={"publicId": "big", "text": text})
        got = self.table.get_item(Key={"publicId": "big"})["Item"]
        self.assertEqual(len(got["text"]), len(text))
        with self.assertRaises(ClientError) as cm:
            self.table.put_item(Item={"publicId": "big", "text": text + "!"})
        err = cm.exception.response["Error"]
        self.assertEqual(err["Code"], "ValidationException")
        self.assertEqual(err["Message"], ITEM_SIZE_MESSAGE)
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        # The refused write changed nothing.
        self.assertEqual(len(self.table.get_item(Key={"publicId": "big"})["Item"]["text"]), len(text))


if __name__ == "__main__":
    unittest.main()
