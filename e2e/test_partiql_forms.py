"""PartiQL statement forms through boto3, each compared with the native
operation's answer on the same data: every parameter type and literal
type, the WHERE functions, projections, index reads, ORDER BY, IN and OR
reads (their 10-item pages and sort-key ranges), the UPDATE forms and
RETURNING modes against UpdateItem's ReturnValues, DELETE, the FROM-first
UPDATE, errors with DynamoDB's codes and messages, batch members' errors,
transactions (EXISTS, cancellation reasons, ClientRequestToken), and
ReturnConsumedCapacity against the native reads."""

import unittest

from botocore.exceptions import ClientError

from dynago_process import ServerTestCase, wait_active

T = "PartiQLForms"
Q = '"%s"' % T


def S(v):
    return {"S": v}


def N(v):
    return {"N": str(v)}


class PartiQLForms(ServerTestCase, unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        c = cls.client = cls.server.client()
        c.create_table(
            TableName=T,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "N"},
                                  {"AttributeName": "g", "AttributeType": "S"}],
            GlobalSecondaryIndexes=[{"IndexName": "byG",
                                     "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                                                   {"AttributeName": "sk", "KeyType": "RANGE"}],
                                     "Projection": {"ProjectionType": "ALL"}}],
            BillingMode="PAY_PER_REQUEST")
        wait_active(c, T)
        for i in range(1, 13):
            item = {"pk": S("a"), "sk": N(i), "v": S("v%d" % i), "g": S("g%d" % (i % 2)), "n": N(i),
                    "m": {"M": {"k": S("mk%d" % i), "deep": {"M": {"x": N(i)}}}},
                    "l": {"L": [S("first"), N(i)]}}
            if i % 3 == 0:
                item["tags"] = {"SS": ["x", "t%d" % i]}
            if i % 4 == 0:
                item["nul"] = {"NULL": True}
            c.put_item(TableName=T, Item=item)
        for p in range(12):
            c.put_item(TableName=T, Item={"pk": S("p%02d" % p), "sk": N(1), "v": S("one")})

    def stmt(self, statement, params=None, **kw):
        if params is not None:
            kw["Parameters"] = params
        return self.client.execute_statement(Statement=statement, **kw)

    def all_pages(self, statement, params=None, **kw):
        items, token = [], None
        for _ in range(100):
            if token:
                kw["NextToken"] = token
            out = self.stmt(statement, params, **kw)
            items += out["Items"]
            token = out.get("NextToken")
            if not token:
                return items
        self.fail("more than 100 pages")

    def query(self, kc, values, **kw):
        items, kw = [], dict(kw)
        while True:
            out = self.client.query(TableName=T, KeyConditionExpression=kc,
                                    ExpressionAttributeValues=values, **kw)
            items += out["Items"]
            if "LastEvaluatedKey" not in out:
                return items
            kw["ExclusiveStartKey"] = out["LastEvaluatedKey"]

    def error(self, fn, *args, **kw):
        with self.assertRaises(ClientError) as cm:
            fn(*args, **kw)
        return cm.exception.response

    def assertError(self, response, code, message):
        self.assertEqual(response["Error"]["Code"], code)
        self.assertEqual(response["Error"]["Message"], message)

    # -- parameters and literals ------------------------------------------

    def test_every_parameter_type(self):
        values = {"s": S("str"), "n": N("1.50"), "b": {"B": b"\x00\x01"}, "bool": {"BOOL": True},
                  "nul": {"NULL": True}, "m": {"M": {"k": S("v")}}, "l": {"L": [N(1), S("x")]},
                  "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2"]}, "bs": {"BS": [b"\x01", b"\x02"]}}
        names = sorted(values)
        fields = ", ".join("'%s': ?" % k for k in names)
        self.stmt("INSERT INTO %s VALUE {'pk': 'types', 'sk': 1, %s}" % (Q, fields), [values[k] for k in names])
        native = self.client.get_item(TableName=T, Key={"pk": S("types"), "sk": N(1)})["Item"]
        self.assertEqual(native["n"], N("1.5"))
        self.assertEqual(native["b"], {"B": b"\x00\x01"})
        self.assertEqual(native["bs"]["BS"], [b"\x01", b"\x02"])
        got = self.stmt("SELECT * FROM %s WHERE pk = ? AND sk = ?" % Q, [S("types"), N(1)])["Items"]
        self.assertEqual(got, [native])
        # Each type compares as a parameter in a WHERE too.
        for k in names:
            got = self.stmt("SELECT pk FROM %s WHERE pk = 'types' AND sk = 1 AND \"%s\" = ?" % (Q, k), [values[k]])["Items"]
            self.assertEqual(got, [{"pk": S("types")}], k)

    def test_every_literal_type(self):
        self.stmt("INSERT INTO %s VALUE {'pk': 'lits', 'sk': 1, 's': 'it''s', 'n': -0.50, 'y': true, "
                  "'z': null, 'l': [1, 'two', [false]], 'm': {'a': {'b': 2}}, 'ss': <<'x', 'y'>>, "
                  "'ns': <<1, 2.5>>}" % Q)
        item = self.client.get_item(TableName=T, Key={"pk": S("lits"), "sk": N(1)})["Item"]
        self.assertEqual(item["s"], S("it's"))
        self.assertEqual(item["n"], N("-0.5"))
        self.assertEqual(item["y"], {"BOOL": True})
        self.assertEqual(item["z"], {"NULL": True})
        self.assertEqual(item["l"], {"L": [N(1), S("two"), {"L": [{"BOOL": False}]}]})
        self.assertEqual(item["m"], {"M": {"a": {"M": {"b": N(2)}}}})
        self.assertEqual(sorted(item["ss"]["SS"]), ["x", "y"])
        self.assertEqual(sorted(item["ns"]["NS"]), ["1", "2.5"])
        r = self.error(self.stmt, "INSERT INTO %s VALUE {'pk': 'lits', 'sk': 2, 'ss': <<'x', 'x'>>}" % Q)
        self.assertError(r, "ValidationException",
                         "One or more parameter values were invalid: Input collection [x, x] contains duplicates.")

    # -- WHERE functions against a native filter --------------------------

    def test_functions_match_native_filters(self):
        a = S("a")
        for where, flt, vals in [
            ("begins_with(v, 'v1')", "begins_with(v, :x)", {":x": S("v1")}),
            ("contains(tags, 'x')", "contains(tags, :x)", {":x": S("x")}),
            ("attribute_type(tags, 'SS')", "attribute_type(tags, :x)", {":x": S("SS")}),
            ("size(v) > 2", "size(v) > :x", {":x": N(2)}),
            ("tags IS MISSING", "attribute_not_exists(tags)", {}),
            ("tags IS NOT MISSING", "attribute_exists(tags)", {}),
            ("nul IS NULL", "nul = :x", {":x": {"NULL": True}}),
            ("n IN [2, 5, 7]", "n IN (:x, :y, :z)", {":x": N(2), ":y": N(5), ":z": N(7)}),
            ("(n BETWEEN 3 AND 5 OR NOT n < 11)", "n BETWEEN :x AND :y OR NOT n < :z", {":x": N(3), ":y": N(5), ":z": N(11)}),
            ("m.deep.x >= 10 AND l[1] <> 11", "m.deep.x >= :x AND l[1] <> :y", {":x": N(10), ":y": N(11)}),
            ("attribute_exists(m.k) AND v <> 'v3'", "attribute_exists(m.k) AND v <> :x", {":x": S("v3")}),
        ]:
            got = self.all_pages("SELECT * FROM %s WHERE pk = 'a' AND %s" % (Q, where))
            want = self.query("pk = :a", dict(vals, **{":a": a}), FilterExpression=flt)
            self.assertEqual(got, want, where)
            self.assertTrue(got, where)

    # -- SELECT forms ------------------------------------------------------

    def test_projection_matches_get_item(self):
        got = self.stmt("SELECT v, m.deep.x, l[1] FROM %s WHERE pk = 'a' AND sk = 3" % Q)["Items"]
        want = self.client.get_item(TableName=T, Key={"pk": S("a"), "sk": N(3)},
                                    ProjectionExpression="v, m.deep.x, l[1]")["Item"]
        self.assertEqual(got, [want])

    def test_index_read_and_order_by(self):
        got = self.all_pages('SELECT * FROM %s."byG" WHERE g = ? ORDER BY sk DESC' % Q, [S("g1")])
        want = self.query("g = :g", {":g": S("g1")}, IndexName="byG", ScanIndexForward=False)
        self.assertEqual(got, want)
        self.assertEqual(len(got), 6)
        r = self.error(self.stmt, 'SELECT * FROM %s."byG" WHERE g = \'g1\'' % Q, ConsistentRead=True)
        self.assertError(r, "ValidationException", "Strongly consistent read is not supported on Global Secondary Indexes")

    def test_in_and_or_reads(self):
        got = self.all_pages("SELECT * FROM %s WHERE pk IN ['p03', 'p01'] AND sk = 1" % Q)
        self.assertEqual(got, [self.client.get_item(TableName=T, Key={"pk": S(p), "sk": N(1)})["Item"] for p in ("p03", "p01")])
        # Two disjoint sort-key ranges of one partition: one Query each.
        got = self.all_pages("SELECT * FROM %s WHERE (pk = 'a' AND sk < 3) OR (pk = 'a' AND sk >= 11)" % Q)
        want = (self.query("pk = :a AND sk < :x", {":a": S("a"), ":x": N(3)}) +
                self.query("pk = :a AND sk >= :x", {":a": S("a"), ":x": N(11)}))
        self.assertEqual(got, want)
        r = self.error(self.stmt, "SELECT * FROM %s WHERE (pk = 'a' AND sk <= 3) OR (pk = 'a' AND sk >= 3)" % Q)
        self.assertError(r, "ValidationException", "Overlapping conditions with range keys are not supported in where clause")
        # A scan: the same items as a native Scan with the filter.
        got = self.all_pages("SELECT * FROM %s WHERE v = 'one' OR sk > 11" % Q)
        want = self.client.scan(TableName=T, FilterExpression="v = :o OR sk > :x",
                                ExpressionAttributeValues={":o": S("one"), ":x": N(11)})["Items"]
        key = lambda it: (it["pk"]["S"], it["sk"]["N"])
        self.assertEqual(sorted(got, key=key), sorted(want, key=key))
        self.assertEqual(len(got), 13)

    def test_in_results_come_in_pages_of_ten(self):
        keys = ", ".join("'p%02d'" % p for p in range(12))
        first = self.stmt("SELECT * FROM %s WHERE pk IN [%s] AND sk = 1" % (Q, keys))
        self.assertEqual(len(first["Items"]), 10)
        self.assertIn("NextToken", first)
        rest = self.stmt("SELECT * FROM %s WHERE pk IN [%s] AND sk = 1" % (Q, keys), NextToken=first["NextToken"])
        self.assertEqual([i["pk"]["S"] for i in first["Items"] + rest["Items"]], ["p%02d" % p for p in range(12)])
        self.assertNotIn("NextToken", rest)

    def test_consumed_capacity_matches_native(self):
        got = self.stmt("SELECT * FROM %s WHERE pk = 'a' AND sk = 2" % Q, ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]
        want = self.client.get_item(TableName=T, Key={"pk": S("a"), "sk": N(2)}, ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]
        self.assertEqual(got, want)
        got = self.stmt("SELECT * FROM %s WHERE pk = 'a'" % Q, ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]
        want = self.client.query(TableName=T, KeyConditionExpression="pk = :a", ExpressionAttributeValues={":a": S("a")},
                                 ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]
        self.assertEqual(got, want)

    # -- UPDATE and DELETE against UpdateItem and DeleteItem --------------

    def twins(self, name, item):
        for p in ("pq-" + name, "native-" + name):
            self.client.put_item(TableName=T, Item=dict(item, pk=S(p), sk=N(1)))
        return {"pk": S("native-" + name), "sk": N(1)}

    def test_update_forms_match_update_item(self):
        base = {"n": N(5), "l": {"L": [N(1)]}, "ss": {"SS": ["a", "b"]}, "ss2": {"SS": ["a", "b"]}, "m": {"M": {"k": S("v")}}, "gone": S("x")}
        for mode, rv in [("ALL NEW *", "ALL_NEW"), ("MODIFIED NEW *", "UPDATED_NEW"),
                         ("ALL OLD *", "ALL_OLD"), ("MODIFIED OLD *", "UPDATED_OLD")]:
            name = rv.lower()
            key = self.twins(name, base)
            got = self.stmt("UPDATE %s SET n = n + 2 SET l = list_append(l, [2]) SET ss = set_add(ss, <<'c'>>) SET m.k = 'w' "
                            "SET ss2 = set_delete(ss2, <<'a'>>) REMOVE gone WHERE pk = ? AND sk = 1 RETURNING %s" % (Q, mode),
                            [S("pq-" + name)])["Items"]
            want = self.client.update_item(
                TableName=T, Key=key, ReturnValues=rv,
                UpdateExpression="SET n = n + :two, l = list_append(l, :l2), m.k = :w REMOVE gone ADD ss :c DELETE ss2 :a",
                ExpressionAttributeValues={":two": N(2), ":l2": {"L": [N(2)]}, ":w": S("w"),
                                           ":c": {"SS": ["c"]}, ":a": {"SS": ["a"]}})["Attributes"]
            want.pop("pk", None)
            self.assertEqual(len(got), 1, mode)
            got[0].pop("pk", None)
            self.assertEqual(got[0], want, mode)
            after = self.client.get_item(TableName=T, Key={"pk": S("pq-" + name), "sk": N(1)})["Item"]
            native = self.client.get_item(TableName=T, Key=key)["Item"]
            after.pop("pk"), native.pop("pk")
            self.assertEqual(after, native, mode)
        # The FROM-first form is the same UPDATE.
        self.stmt("FROM %s WHERE pk = 'pq-all_new' AND sk = 1 SET n = 100" % Q)
        self.assertEqual(self.client.get_item(TableName=T, Key={"pk": S("pq-all_new"), "sk": N(1)})["Item"]["n"], N(100))

    def test_update_condition_and_errors(self):
        self.twins("cond", {"n": N(1)})
        r = self.error(self.stmt, "UPDATE %s SET n = 2 WHERE pk = 'pq-cond' AND sk = 1 AND n = 5" % Q,
                       ReturnValuesOnConditionCheckFailure="ALL_OLD")
        self.assertEqual(r["Error"]["Code"], "ConditionalCheckFailedException")
        self.assertEqual(r["Item"], {"pk": S("pq-cond"), "sk": N(1), "n": N(1)})
        # UPDATE never creates an item.
        r = self.error(self.stmt, "UPDATE %s SET n = 2 WHERE pk = 'pq-never' AND sk = 1" % Q)
        self.assertEqual(r["Error"]["Code"], "ConditionalCheckFailedException")
        self.assertNotIn("Item", self.client.get_item(TableName=T, Key={"pk": S("pq-never"), "sk": N(1)}))
        r = self.error(self.stmt, "UPDATE %s SET n = 2 WHERE pk = 'pq-cond'" % Q)
        self.assertError(r, "ValidationException", "Where clause does not contain a mandatory equality on all key attributes")

    def test_delete_forms_match_delete_item(self):
        key = self.twins("del", {"v": S("x")})
        got = self.stmt("DELETE FROM %s WHERE pk = 'pq-del' AND sk = 1 RETURNING ALL OLD *" % Q)["Items"]
        want = self.client.delete_item(TableName=T, Key=key, ReturnValues="ALL_OLD")["Attributes"]
        got[0].pop("pk"), want.pop("pk")
        self.assertEqual(got, [want])
        # Absent: success with nothing deleted; present but the condition
        # false: ConditionalCheckFailedException.
        self.assertEqual(self.stmt("DELETE FROM %s WHERE pk = 'pq-del' AND sk = 1" % Q)["Items"], [])
        self.twins("del2", {"v": S("x")})
        r = self.error(self.stmt, "DELETE FROM %s WHERE pk = 'pq-del2' AND sk = 1 AND v = 'y'" % Q)
        self.assertEqual(r["Error"]["Code"], "ConditionalCheckFailedException")
        self.assertIn("Item", self.client.get_item(TableName=T, Key={"pk": S("pq-del2"), "sk": N(1)}))

    # -- errors --------------------------------------------------------------

    def test_errors(self):
        r = self.error(self.stmt, 'SELECT * FROM "NoSuchTable" WHERE pk = \'a\'')
        self.assertError(r, "ResourceNotFoundException", "Requested resource not found")
        r = self.error(self.stmt, "SELECT * FROM %s WHERE pk = ?" % Q, [S("a"), S("b")])
        self.assertError(r, "ValidationException", "Number of parameters in request and statement don't match.")
        r = self.error(self.stmt, "SELECT * FROM %s WHERE pk = ?" % Q)
        self.assertError(r, "ValidationException", "Number of parameters in request and statement don't match.")
        r = self.error(self.stmt, "SELECT * FROM %s t WHERE pk = 'a'" % Q)
        self.assertError(r, "ValidationException", "Aliasing is not supported")
        r = self.error(self.stmt, "SELECT * FROM %s WHERE pk = 'a' AND" % Q)
        self.assertError(r, "ValidationException",
                         "Statement wasn't well formed, can't be processed: Missing right-hand side expression of infix operator")

    # -- batches and transactions ---------------------------------------------

    def test_batch_member_errors(self):
        out = self.client.batch_execute_statement(Statements=[
            {"Statement": "INSERT INTO %s VALUE {'pk': 'a', 'sk': 1}" % Q},
            {"Statement": "INSERT INTO %s VALUE {'pk': 'batch', 'sk': 1, 'n': 1}" % Q},
            {"Statement": "UPDATE %s SET n = 2 WHERE pk = 'a' AND sk = 2 AND n = 99" % Q},
            {"Statement": "UPDATE %s SET n = WHERE" % Q},
        ])["Responses"]
        self.assertEqual(out[0]["Error"]["Code"], "DuplicateItem")
        self.assertNotIn("Error", out[1])
        self.assertEqual(out[2]["Error"]["Code"], "ConditionalCheckFailed")
        self.assertEqual(out[3]["Error"]["Code"], "ValidationError")
        self.assertIn("Item", self.client.get_item(TableName=T, Key={"pk": S("batch"), "sk": N(1)}))
        r = self.error(self.client.batch_execute_statement, Statements=[
            {"Statement": "SELECT * FROM %s WHERE pk = 'a' AND sk = 1" % Q},
            {"Statement": "DELETE FROM %s WHERE pk = 'a' AND sk = 1" % Q}])
        self.assertError(r, "ValidationException", "Read and write requests together in the same batch is not supported.")
        r = self.error(self.client.execute_transaction, TransactStatements=[
            {"Statement": "SELECT * FROM %s WHERE pk = 'a' AND sk = 1" % Q},
            {"Statement": "DELETE FROM %s WHERE pk = 'a' AND sk = 1" % Q}])
        self.assertError(r, "ValidationException",
                         "ExecuteTransaction API does not support both read and write operations in the same request.")
        r = self.error(self.stmt, "EXISTS(SELECT * FROM %s WHERE pk = 'a' AND sk = 1 AND v = 'v1')" % Q)
        self.assertError(r, "ValidationException", "EXISTS can only be used in ExecuteTransaction write requests.")

    def test_transactions(self):
        got = self.client.execute_transaction(TransactStatements=[
            {"Statement": "SELECT v FROM %s WHERE pk = 'a' AND sk = 1" % Q},
            {"Statement": "SELECT v FROM %s WHERE pk = 'a' AND sk = 99" % Q}])["Responses"]
        want = self.client.transact_get_items(TransactItems=[
            {"Get": {"TableName": T, "Key": {"pk": S("a"), "sk": N(1)}, "ProjectionExpression": "v"}},
            {"Get": {"TableName": T, "Key": {"pk": S("a"), "sk": N(99)}, "ProjectionExpression": "v"}}])["Responses"]
        self.assertEqual(got, want)
        # A failed EXISTS cancels the whole transaction, with reasons in order.
        r = self.error(self.client.execute_transaction, TransactStatements=[
            {"Statement": "EXISTS(SELECT * FROM %s WHERE pk = 'a' AND sk = 1 AND v = 'nope')" % Q},
            {"Statement": "UPDATE %s SET touched = 1 WHERE pk = 'a' AND sk = 2" % Q}])
        self.assertEqual(r["Error"]["Code"], "TransactionCanceledException")
        self.assertEqual([x["Code"] for x in r["CancellationReasons"]], ["ConditionalCheckFailed", "None"])
        self.assertNotIn("touched", self.client.get_item(TableName=T, Key={"pk": S("a"), "sk": N(2)})["Item"])
        # ClientRequestToken: a retry is applied once; another payload under
        # the same token is refused.
        self.client.put_item(TableName=T, Item={"pk": S("tok"), "sk": N(1), "n": N(0)})
        stmts = [{"Statement": "UPDATE %s SET n = n + 1 WHERE pk = 'tok' AND sk = 1" % Q}]
        for _ in range(2):
            self.client.execute_transaction(TransactStatements=stmts, ClientRequestToken="tok-1")
        self.assertEqual(self.client.get_item(TableName=T, Key={"pk": S("tok"), "sk": N(1)})["Item"]["n"], N(1))
        r = self.error(self.client.execute_transaction, ClientRequestToken="tok-1", TransactStatements=[
            {"Statement": "UPDATE %s SET n = n + 2 WHERE pk = 'tok' AND sk = 1" % Q}])
        self.assertEqual(r["Error"]["Code"], "IdempotentParameterMismatchException")


if __name__ == "__main__":
    unittest.main()
