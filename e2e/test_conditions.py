"""Conditions, filters and update expressions through boto3.

Queries and scans are built with boto3's condition builders
(boto3.dynamodb.conditions Key and Attr), which generate the expression
text and the #n/:v placeholders; every result is checked against the same
predicate evaluated in Python over the seeded items. Updates go through
UpdateExpression with ReturnValues, and the error cases assert DynamoDB's
exact error code and message.

boto3's builders number placeholders the same way for the same shape, so
consecutive requests here send the same expression with different values:
they also check that a cached expression is bound to each request's own
values.
"""

import unittest
from decimal import Decimal

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from dynago_process import ServerTestCase, wait_active

TABLE = "Orders"
SCRATCH = "Scratch"
PK = "u1"
STATES = ["paid", "shipped", "cancelled"]


def seed_items():
    """Ten orders of one customer, with attributes of every shape."""
    items = []
    for i in range(1, 11):
        item = {
            "pk": PK,
            "sk": "o#%02d" % i,
            "total": Decimal(i * 10),
            "state": STATES[i % 3],
            "title": ("Re: order %d" % i) if i % 2 else ("order %d" % i),
            "lines": ["line-%d" % j for j in range(i % 4)],
            "meta": {"flag": i % 2 == 0, "code": "c%d" % i},
        }
        if i % 3 == 0:
            item["note"] = "gift"
        if i % 2 == 0:
            item["tags"] = {"t%d" % (i % 4), "even"}
        if i == 7:
            item["total"] = "seventy"  # a string where others have numbers
        items.append(item)
    return items


class ConditionsAndFilters(ServerTestCase, unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client = cls.server.client()
        dynamodb = cls.server.resource()
        dynamodb.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        wait_active(cls.client, TABLE)
        # Writes go to a second table, so that scans of the first see only
        # the seeded items.
        dynamodb.create_table(
            TableName=SCRATCH,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        wait_active(cls.client, SCRATCH)
        cls.table = dynamodb.Table(TABLE)
        cls.scratch = dynamodb.Table(SCRATCH)
        cls.items = seed_items()
        with cls.table.batch_writer() as w:
            for item in cls.items:
                w.put_item(Item=item)

    # --- helpers ---

    def query_sks(self, key_cond, **kw):
        out, start = [], None
        while True:
            if start:
                kw["ExclusiveStartKey"] = start
            resp = self.table.query(KeyConditionExpression=key_cond, **kw)
            out += [it["sk"] for it in resp["Items"]]
            start = resp.get("LastEvaluatedKey")
            if not start:
                return out

    def scan_sks(self, filt, **kw):
        out, start = [], None
        while True:
            if start:
                kw["ExclusiveStartKey"] = start
            resp = self.table.scan(FilterExpression=filt, **kw)
            out += [it["sk"] for it in resp["Items"]]
            start = resp.get("LastEvaluatedKey")
            if not start:
                return sorted(out)

    def expect(self, pred):
        return sorted(it["sk"] for it in self.items if pred(it))

    def assertError(self, code, message, fn, *args, **kw):
        with self.assertRaises(ClientError) as cm:
            fn(*args, **kw)
        err = cm.exception.response["Error"]
        self.assertEqual(err["Code"], code)
        self.assertEqual(err["Message"], message)

    # --- key conditions ---

    def test_key_conditions(self):
        cases = [
            (Key("pk").eq(PK), lambda sk: True),
            (Key("pk").eq(PK) & Key("sk").eq("o#04"), lambda sk: sk == "o#04"),
            (Key("pk").eq(PK) & Key("sk").lt("o#04"), lambda sk: sk < "o#04"),
            (Key("pk").eq(PK) & Key("sk").lte("o#04"), lambda sk: sk <= "o#04"),
            (Key("pk").eq(PK) & Key("sk").gt("o#04"), lambda sk: sk > "o#04"),
            (Key("pk").eq(PK) & Key("sk").gte("o#04"), lambda sk: sk >= "o#04"),
            (Key("pk").eq(PK) & Key("sk").between("o#03", "o#06"), lambda sk: "o#03" <= sk <= "o#06"),
            (Key("pk").eq(PK) & Key("sk").begins_with("o#1"), lambda sk: sk.startswith("o#1")),
            (Key("pk").eq("nobody"), lambda sk: False),  # no such partition
        ]
        for cond, pred in cases:
            with self.subTest(cond=cond.get_expression()):
                want = sorted(it["sk"] for it in self.items if pred(it["sk"]))
                self.assertEqual(self.query_sks(cond), want)

    def test_query_descending_with_limit_pages(self):
        got = self.query_sks(Key("pk").eq(PK) & Key("sk").between("o#02", "o#09"),
                             ScanIndexForward=False, Limit=3)
        self.assertEqual(got, ["o#%02d" % i for i in range(9, 1, -1)])

    def test_same_key_condition_different_values(self):
        # One expression shape, many values: each answer is its own.
        for lo in range(1, 10):
            for hi in (lo, lo + 1, 10):
                a, b = "o#%02d" % lo, "o#%02d" % hi
                with self.subTest(lo=a, hi=b):
                    self.assertEqual(self.query_sks(Key("pk").eq(PK) & Key("sk").between(a, b)),
                                     self.expect(lambda it: a <= it["sk"] <= b))

    # --- filters with Attr ---

    def test_filters(self):
        def num(it, name):
            v = it.get(name)
            return v if isinstance(v, Decimal) else None

        cases = [
            (Attr("state").eq("paid"), lambda it: it["state"] == "paid"),
            (Attr("state").ne("paid"), lambda it: it["state"] != "paid"),
            (Attr("total").lt(40), lambda it: num(it, "total") is not None and it["total"] < 40),
            (Attr("total").lte(40), lambda it: num(it, "total") is not None and it["total"] <= 40),
            (Attr("total").gt(40), lambda it: num(it, "total") is not None and it["total"] > 40),
            (Attr("total").gte(40), lambda it: num(it, "total") is not None and it["total"] >= 40),
            (Attr("total").between(20, 60), lambda it: num(it, "total") is not None and 20 <= it["total"] <= 60),
            (Attr("total").between("a", "z"), lambda it: isinstance(it["total"], str)),
            (Attr("title").begins_with("Re:"), lambda it: it["title"].startswith("Re:")),
            (Attr("state").is_in(["paid", "cancelled"]), lambda it: it["state"] in ("paid", "cancelled")),
            (Attr("note").exists(), lambda it: "note" in it),
            (Attr("note").not_exists(), lambda it: "note" not in it),
            (Attr("total").attribute_type("S"), lambda it: isinstance(it["total"], str)),
            (Attr("total").attribute_type("N"), lambda it: isinstance(it["total"], Decimal)),
            (Attr("tags").attribute_type("SS"), lambda it: "tags" in it),
            (Attr("title").contains("order 1"), lambda it: "order 1" in it["title"]),
            (Attr("tags").contains("even"), lambda it: "even" in it.get("tags", ())),
            (Attr("lines").contains("line-2"), lambda it: "line-2" in it["lines"]),
            (Attr("lines").size().eq(2), lambda it: len(it["lines"]) == 2),
            (Attr("title").size().gt(8), lambda it: len(it["title"]) > 8),
            (Attr("tags").size().gte(2), lambda it: len(it.get("tags", ())) >= 2),
            (Attr("meta.flag").eq(True), lambda it: it["meta"]["flag"] is True),
            (Attr("meta.code").eq("c3"), lambda it: it["meta"]["code"] == "c3"),
            (Attr("lines[1]").eq("line-1"), lambda it: len(it["lines"]) > 1 and it["lines"][1] == "line-1"),
            (Attr("lines[0]").exists(), lambda it: len(it["lines"]) > 0),
            (Attr("state").eq("paid") & Attr("total").gt(30),
             lambda it: it["state"] == "paid" and num(it, "total") is not None and it["total"] > 30),
            (Attr("state").eq("paid") | Attr("note").exists(),
             lambda it: it["state"] == "paid" or "note" in it),
            (~Attr("state").eq("paid"), lambda it: it["state"] != "paid"),
            (~(Attr("state").eq("paid") | Attr("state").eq("shipped")) & Attr("tags").exists(),
             lambda it: it["state"] == "cancelled" and "tags" in it),
            ((Attr("total").lt(30) | Attr("total").gt(80)) & ~Attr("note").exists(),
             lambda it: num(it, "total") is not None and (it["total"] < 30 or it["total"] > 80) and "note" not in it),
        ]
        for cond, pred in cases:
            with self.subTest(filter=cond.get_expression()):
                self.assertEqual(self.scan_sks(cond), self.expect(pred))

    def test_query_filter_and_projection(self):
        resp = self.table.query(
            KeyConditionExpression=Key("pk").eq(PK) & Key("sk").begins_with("o#0"),
            FilterExpression=Attr("state").eq("shipped") & Attr("total").gte(10),
            ProjectionExpression="sk, #s, meta.code",
            ExpressionAttributeNames={"#s": "state"},
        )
        want = [{"sk": it["sk"], "state": "shipped", "meta": {"code": it["meta"]["code"]}}
                for it in self.items
                if it["sk"].startswith("o#0") and it["state"] == "shipped" and isinstance(it["total"], Decimal)]
        self.assertEqual(resp["Items"], want)
        self.assertEqual(resp["ScannedCount"], 9)

    def test_same_filter_different_values(self):
        for t in range(0, 110, 10):
            with self.subTest(total_gt=t):
                self.assertEqual(
                    self.scan_sks(Attr("total").gt(t) & Attr("state").ne("cancelled")),
                    self.expect(lambda it: isinstance(it["total"], Decimal) and it["total"] > t
                                and it["state"] != "cancelled"))
        for state in STATES + ["lost"]:
            with self.subTest(state=state):
                self.assertEqual(self.scan_sks(Attr("state").eq(state)),
                                 self.expect(lambda it: it["state"] == state))

    # --- conditional writes ---

    def test_put_if_not_exists(self):
        item = {"pk": "cond", "sk": "put", "v": 1}
        self.scratch.put_item(Item=item, ConditionExpression=Attr("pk").not_exists())
        self.assertError("ConditionalCheckFailedException", "The conditional request failed",
                         self.scratch.put_item, Item=dict(item, v=2),
                         ConditionExpression=Attr("pk").not_exists())
        got = self.scratch.get_item(Key={"pk": "cond", "sk": "put"})["Item"]
        self.assertEqual(got["v"], 1)
        # A condition on the stored item, then on a value it does not hold.
        self.scratch.put_item(Item=dict(item, v=3), ConditionExpression=Attr("v").eq(1))
        self.assertError("ConditionalCheckFailedException", "The conditional request failed",
                         self.scratch.put_item, Item=dict(item, v=4), ConditionExpression=Attr("v").eq(1))
        self.assertEqual(self.scratch.get_item(Key={"pk": "cond", "sk": "put"})["Item"]["v"], 3)

    def test_delete_with_condition(self):
        key = {"pk": "cond", "sk": "delete"}
        self.scratch.put_item(Item=dict(key, state="open", n=5))
        self.assertError("ConditionalCheckFailedException", "The conditional request failed",
                         self.scratch.delete_item, Key=key,
                         ConditionExpression=Attr("state").eq("closed") | Attr("n").gt(10))
        self.assertIn("Item", self.scratch.get_item(Key=key))
        self.scratch.delete_item(Key=key, ConditionExpression=Attr("state").eq("open") & Attr("n").between(1, 5))
        self.assertNotIn("Item", self.scratch.get_item(Key=key))

    def test_conditional_check_returns_old_item(self):
        key = {"pk": "cond", "sk": "rvcf"}
        self.scratch.put_item(Item=dict(key, n=1))
        with self.assertRaises(ClientError) as cm:
            self.client.update_item(
                TableName=SCRATCH, Key={"pk": {"S": "cond"}, "sk": {"S": "rvcf"}},
                UpdateExpression="SET n = :two", ConditionExpression="n = :zero",
                ExpressionAttributeValues={":two": {"N": "2"}, ":zero": {"N": "0"}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD")
        err = cm.exception.response
        self.assertEqual(err["Error"]["Code"], "ConditionalCheckFailedException")
        self.assertEqual(err["Error"]["Message"], "The conditional request failed")
        self.assertEqual(err.get("Item"), {"pk": {"S": "cond"}, "sk": {"S": "rvcf"}, "n": {"N": "1"}})

    # --- update expressions ---

    def test_update_arithmetic_and_return_values(self):
        key = {"pk": "upd", "sk": "counter"}
        self.scratch.put_item(Item=dict(key, n=10, other="x"))
        resp = self.scratch.update_item(
            Key=key, UpdateExpression="SET n = n + :inc, m = :inc - n",
            ExpressionAttributeValues={":inc": 5}, ReturnValues="UPDATED_NEW")
        self.assertEqual(resp["Attributes"], {"n": 15, "m": -5})
        resp = self.scratch.update_item(
            Key=key, UpdateExpression="SET n = n - :dec",
            ExpressionAttributeValues={":dec": Decimal("0.5")}, ReturnValues="UPDATED_OLD")
        self.assertEqual(resp["Attributes"], {"n": 15})
        resp = self.scratch.update_item(Key=key, UpdateExpression="SET n = n + :one",
                                      ExpressionAttributeValues={":one": 1}, ReturnValues="ALL_NEW")
        self.assertEqual(resp["Attributes"], dict(key, n=Decimal("15.5"), m=-5, other="x"))
        # The same expression with other values, one after another.
        for inc in (2, 3, -7):
            before = self.scratch.get_item(Key=key)["Item"]["n"]
            resp = self.scratch.update_item(Key=key, UpdateExpression="SET n = n + :one",
                                          ExpressionAttributeValues={":one": inc}, ReturnValues="UPDATED_NEW")
            self.assertEqual(resp["Attributes"], {"n": before + inc})

    def test_update_if_not_exists_and_list_append(self):
        key = {"pk": "upd", "sk": "lists"}
        resp = self.scratch.update_item(
            Key=key,
            UpdateExpression="SET hits = if_not_exists(hits, :zero) + :one, l = list_append(if_not_exists(l, :empty), :more)",
            ExpressionAttributeValues={":zero": 0, ":one": 1, ":empty": [], ":more": ["a", "b"]},
            ReturnValues="UPDATED_NEW")
        self.assertEqual(resp["Attributes"], {"hits": 1, "l": ["a", "b"]})
        resp = self.scratch.update_item(
            Key=key,
            UpdateExpression="SET hits = if_not_exists(hits, :zero) + :one, l = list_append(:front, l)",
            ExpressionAttributeValues={":zero": 0, ":one": 1, ":front": ["z"]},
            ReturnValues="UPDATED_OLD")
        self.assertEqual(resp["Attributes"], {"hits": 1, "l": ["a", "b"]})
        self.assertEqual(self.scratch.get_item(Key=key)["Item"], dict(key, hits=2, l=["z", "a", "b"]))

    def test_update_remove_add_delete(self):
        key = {"pk": "upd", "sk": "sets"}
        self.scratch.put_item(Item=dict(key, note="x", l=["a", "b", "c"], tags={"red", "green"},
                                      count=1, m={"k": "v", "j": "w"}))
        resp = self.scratch.update_item(
            Key=key, UpdateExpression="REMOVE note, l[0], m.j", ReturnValues="UPDATED_OLD")
        self.assertEqual(resp["Attributes"], {"note": "x", "l": ["a"], "m": {"j": "w"}})
        resp = self.scratch.update_item(
            Key=key, UpdateExpression="ADD #c :n, tags :add DELETE colours :none",
            ExpressionAttributeNames={"#c": "count"},
            ExpressionAttributeValues={":n": 4, ":add": {"blue"}, ":none": {"x"}},
            ReturnValues="UPDATED_NEW")
        self.assertEqual(resp["Attributes"], {"count": 5, "tags": {"red", "green", "blue"}})
        resp = self.scratch.update_item(
            Key=key, UpdateExpression="DELETE tags :rm ADD fresh :n",
            ExpressionAttributeValues={":rm": {"red", "green", "blue"}, ":n": 1},
            ReturnValues="UPDATED_OLD")
        # fresh did not exist, so only tags had an old value.
        self.assertEqual(resp["Attributes"], {"tags": {"red", "green", "blue"}})
        self.assertEqual(self.scratch.get_item(Key=key)["Item"],
                         dict(key, l=["b", "c"], count=5, m={"k": "v"}, fresh=1))

    def test_update_with_condition(self):
        key = {"pk": "upd", "sk": "guarded"}
        self.scratch.put_item(Item=dict(key, stock=2))
        for _ in range(2):
            self.scratch.update_item(Key=key, UpdateExpression="SET stock = stock - :one",
                                   ConditionExpression=Attr("stock").gt(0),
                                   ExpressionAttributeValues={":one": 1})
        self.assertError("ConditionalCheckFailedException", "The conditional request failed",
                         self.scratch.update_item, Key=key, UpdateExpression="SET stock = stock - :one",
                         ConditionExpression=Attr("stock").gt(0), ExpressionAttributeValues={":one": 1})
        self.assertEqual(self.scratch.get_item(Key=key)["Item"]["stock"], 0)

    # --- errors ---

    def test_reserved_word_unaliased(self):
        self.assertError("ValidationException",
                         "Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: name",
                         self.table.scan, FilterExpression="name = :v", ExpressionAttributeValues={":v": "x"})
        self.assertError("ValidationException",
                         "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status",
                         self.table.update_item, Key={"pk": "e", "sk": "e"},
                         UpdateExpression="SET status = :v", ExpressionAttributeValues={":v": "x"})

    def test_unused_and_undefined_placeholders(self):
        self.assertError("ValidationException",
                         "Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}",
                         self.table.scan, FilterExpression="#s = :v",
                         ExpressionAttributeNames={"#s": "state"},
                         ExpressionAttributeValues={":v": "paid", ":unused": 1})
        self.assertError("ValidationException",
                         "Value provided in ExpressionAttributeNames unused in expressions: keys: {#x}",
                         self.table.scan, FilterExpression="#s = :v",
                         ExpressionAttributeNames={"#s": "state", "#x": "x"},
                         ExpressionAttributeValues={":v": "paid"})
        self.assertError("ValidationException",
                         "Invalid FilterExpression: An expression attribute value used in expression is not defined; attribute value: :w",
                         self.table.scan, FilterExpression="#s = :v OR #s = :w",
                         ExpressionAttributeNames={"#s": "state"},
                         ExpressionAttributeValues={":v": "paid"})
        # The same expression, now with both values, works.
        self.assertEqual(
            self.scan_sks("#s = :v OR #s = :w", ExpressionAttributeNames={"#s": "state"},
                          ExpressionAttributeValues={":v": "paid", ":w": "shipped"}),
            self.expect(lambda it: it["state"] in ("paid", "shipped")))

    def test_value_dependent_checks(self):
        # One filter shape; whether it is valid depends on the values.
        self.assertError("ValidationException",
                         "Invalid FilterExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; "
                         "lower bound operand: AttributeValue: {N:50}, upper bound operand: AttributeValue: {N:20}",
                         self.scan_sks, Attr("total").between(50, 20))
        self.assertError("ValidationException",
                         "Invalid FilterExpression: The BETWEEN operator requires same data type for lower and upper bounds; "
                         "lower bound operand: AttributeValue: {N:20}, upper bound operand: AttributeValue: {S:50}",
                         self.scan_sks, Attr("total").between(20, "50"))
        self.assertEqual(self.scan_sks(Attr("total").between(20, 50)),
                         self.expect(lambda it: isinstance(it["total"], Decimal) and 20 <= it["total"] <= 50))
        self.assertError("ValidationException",
                         "Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N",
                         self.scan_sks, Attr("title").begins_with(5))
        self.assertError("ValidationException",
                         "Invalid FilterExpression: Invalid attribute type name found; type: XX, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}",
                         self.scan_sks, Attr("total").attribute_type("XX"))
        self.assertError("ValidationException",
                         "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING",
                         self.table.update_item, Key={"pk": "e", "sk": "add"},
                         UpdateExpression="ADD n :v", ExpressionAttributeValues={":v": "x"})
        self.assertError("ValidationException",
                         "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; "
                         "lower bound operand: AttributeValue: {S:o#05}, upper bound operand: AttributeValue: {S:o#02}",
                         self.query_sks, Key("pk").eq(PK) & Key("sk").between("o#05", "o#02"))

    def test_syntax_and_key_errors(self):
        self.assertError("ValidationException",
                         'Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "AND"',
                         self.table.put_item, Item={"pk": "e", "sk": "syntax"},
                         ConditionExpression="attribute_exists(pk) AND")
        self.assertError("ValidationException",
                         "One or more parameter values were invalid: Cannot update attribute sk. This attribute is part of the key",
                         self.table.update_item, Key={"pk": "e", "sk": "key"},
                         UpdateExpression="SET sk = :v", ExpressionAttributeValues={":v": "x"})
        self.assertError("ValidationException",
                         "An operand in the update expression has an incorrect data type",
                         self.table.update_item, Key={"pk": PK, "sk": "o#01"},
                         UpdateExpression="SET title = title + :one", ExpressionAttributeValues={":one": 1})

    def test_nesting_limit_on_what_an_update_builds(self):
        """DynamoDB stores 31 maps around a scalar (level 32) and no more,
        whether the request carries the value or the update builds it from
        what is stored: SET m.m = m nests m one level deeper each time (an
        item past the limit once made every Scan answer 500)."""
        nest_msg = ("Nesting Levels have exceeded supported limits: "
                    "Attributes in the item have nested levels beyond supported limit")
        key = {"pk": "nest", "sk": "self"}

        def wrap(n):
            v = "leaf"
            for _ in range(n):
                v = {"m": v}
            return v

        self.scratch.put_item(Item=dict(key, m=wrap(31)))
        with self.assertRaises(ClientError) as cm:
            self.scratch.put_item(Item=dict(key, m=wrap(32)))
        self.assertEqual(cm.exception.response["Error"]["Code"], "ValidationException")
        self.assertIn(nest_msg, cm.exception.response["Error"]["Message"])

        self.scratch.put_item(Item=dict(key, m={"s": "x"}))
        updates = 0
        for _ in range(40):
            try:
                self.scratch.update_item(Key=key, UpdateExpression="SET m.m = m")
            except ClientError as e:
                self.assertEqual(e.response["Error"]["Code"], "ValidationException")
                self.assertEqual(e.response["Error"]["Message"], nest_msg)
                break
            updates += 1
        # {"s": "x"} puts the scalar at level 2; 30 updates take it to 32.
        self.assertEqual(updates, 30)
        with self.assertRaises(ClientError) as cm:
            self.client.transact_write_items(TransactItems=[{"Update": {
                "TableName": SCRATCH, "Key": {"pk": {"S": "nest"}, "sk": {"S": "self"}},
                "UpdateExpression": "SET m.m = m"}}])
        reasons = cm.exception.response["CancellationReasons"]
        self.assertEqual([(r["Code"], r.get("Message")) for r in reasons],
                         [("ValidationError", "Nesting Levels have exceeded supported limits")])
        got = self.scratch.get_item(Key=key, ConsistentRead=True)["Item"]
        depth, v = 0, got["m"]
        while isinstance(v, dict) and "m" in v:
            depth, v = depth + 1, v["m"]
        self.assertEqual(depth, 30)
        scanned = self.client.scan(TableName=SCRATCH, ConsistentRead=True)
        self.assertGreaterEqual(scanned["Count"], 1)
        self.scratch.delete_item(Key=key)


if __name__ == "__main__":
    unittest.main()
