"""DynamoDB Local's command line, as launch scripts, Makefiles and CI jobs
write it: `dynago -inMemory -sharedDb -port N`, `dynago -dbPath DIR
-sharedDb -port N`, `-delayTransientStatuses`, `-cors`, `-version`,
`-help`, with every seed program (e2e/test_seed_*.py: seeds 000 to 004)
run against each of the first three; and the logs a
user of them reads: one access-log line per request (text or JSON), a
locked data directory that names its holder, `dynago check` counting every
table."""

import json
import os
import subprocess
import tempfile
import time
import unittest
import urllib.request

import test_seed_instagram as instagram
import test_seed_large_object as large_object
import test_seed_music as music
import test_seed_ocr as ocr
import test_seed_products as products
import test_seed_starbucks as starbucks
from dynago_process import DynagoProcess, ServerTestCase, dynago_bin, free_port, needs_disk, wait_active, wait_healthy


class LocalProcess(DynagoProcess):
    """A dynago started with exactly the arguments given (port included), as
    `java -jar DynamoDBLocal.jar ARGS` would be."""

    def __init__(self, argv, port, cwd=None):
        super().__init__(None, port=port, cwd=cwd)
        self.argv = argv

    def start(self):
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [dynago_bin(), *self.argv], stdout=self.log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, cwd=self.cwd)
        wait_healthy(self.url, self.proc, self.output)
        return self


class LocalServerTestCase(ServerTestCase):
    """dynago_process.ServerTestCase with a DynamoDB Local command line:
    argv(port, data_dir) returns it. A seed's class comes first among the
    bases, so that its setUpClass (creating its tables) runs, and its
    super().setUpClass() starts this server."""

    @classmethod
    def argv(cls, port, data_dir):
        raise NotImplementedError

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="dynago-local-")
        cls.data_dir = os.path.join(cls.tmp.name, "ddb")
        os.mkdir(cls.data_dir)
        port = free_port()
        cls.server = LocalProcess(cls.argv(port, cls.data_dir), port, cwd=cls.tmp.name).start()

    @classmethod
    def tearDownClass(cls):
        try:
            code = cls.server.stop()
            if code not in (0, None):
                raise AssertionError("dynago exited %s after SIGTERM:\n%s" % (code, cls.server.output()))
        finally:
            cls.tmp.cleanup()


# The seeds against DynamoDB Local's usual command lines: every seed class
# runs once under each (the classes are made below, named after the
# command line and the seed, such as InMemorySharedDbMusicCollection), and
# a few tests check what the command line itself promises.

def in_memory_shared_db(port, data_dir):
    return ["-inMemory", "-sharedDb", "-port", str(port)]


def db_path_shared_db(port, data_dir):
    return ["-dbPath", data_dir, "-sharedDb", "-port", str(port)]


def delay_transient_statuses(port, data_dir):
    return ["-inMemory", "-sharedDb", "-delayTransientStatuses", "-port", str(port)]


COMMAND_LINES = {
    "InMemorySharedDb": in_memory_shared_db,
    "DbPathSharedDb": db_path_shared_db,
    "DelayTransientStatuses": delay_transient_statuses,
}

SEEDS = [
    music.MusicCollection,  # seed 002
    products.ProductsBulkInsert,  # seed 002
    instagram.InstagramStories,  # seed 002
    ocr.OCRResults,  # seeds 000 and 001
    large_object.LargeObjectModel,  # seed 003
    starbucks.StarbucksLocations,  # seed 004
]

for _line, _argv in COMMAND_LINES.items():
    for _seed in SEEDS:
        _name = _line + _seed.__name__
        globals()[_name] = type(_name, (_seed, LocalServerTestCase), {
            "argv": classmethod(lambda cls, port, data_dir, f=_argv: f(port, data_dir)),
            "__module__": __name__,
            "__doc__": "%s under `dynago %s`." % (_seed.__name__, " ".join(_argv(8000, "DIR"))),
        })
del _line, _argv, _seed, _name


class InMemoryWritesNothing(LocalServerTestCase, unittest.TestCase):
    argv = classmethod(lambda cls, port, data_dir: in_memory_shared_db(port, data_dir))

    def test_nothing_written_to_disk(self):
        resource = self.server.resource()
        t = resource.create_table(TableName="Kept", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                                  AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                                  BillingMode="PAY_PER_REQUEST")
        wait_active(self.server.client(), "Kept")
        t.put_item(Item={"id": "a"})
        self.assertEqual(os.listdir(self.tmp.name), ["ddb"])
        self.assertEqual(os.listdir(self.data_dir), [])


class DbPathHoldsTheData(LocalServerTestCase, unittest.TestCase):
    argv = classmethod(lambda cls, port, data_dir: db_path_shared_db(port, data_dir))

    @needs_disk
    def test_data_is_in_db_path(self):
        self.assertIn("LOCK", os.listdir(self.data_dir))
        self.assertNotIn("dynago-data", os.listdir(self.tmp.name))


class DelayTransientStatuses(LocalServerTestCase, unittest.TestCase):
    """The seeds wait for their tables (as programs written for DynamoDB
    must), so they run unchanged with the transient statuses on."""

    argv = classmethod(lambda cls, port, data_dir: delay_transient_statuses(port, data_dir))

    def test_tables_pass_through_transient_statuses(self):
        client = self.server.client()
        client.create_table(
            TableName="Transient",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST")
        self.assertEqual(client.describe_table(TableName="Transient")["Table"]["TableStatus"], "CREATING")
        wait_active(client, "Transient")
        self.assertEqual(client.describe_table(TableName="Transient")["Table"]["TableStatus"], "ACTIVE")
        client.delete_table(TableName="Transient")
        self.assertEqual(client.describe_table(TableName="Transient")["Table"]["TableStatus"], "DELETING")
        client.get_waiter("table_not_exists").wait(
            TableName="Transient", WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})


class WithoutDelayTransientStatuses(LocalServerTestCase, unittest.TestCase):
    @classmethod
    def argv(cls, port, data_dir):
        return ["-inMemory", "-sharedDb", "-port", str(port)]

    def test_tables_are_active_at_once(self):
        client = self.server.client()
        out = client.create_table(
            TableName="Instant",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST")
        self.assertEqual(client.describe_table(TableName="Instant")["Table"]["TableStatus"], "ACTIVE", out)


class DbPathSurvivesRestart(unittest.TestCase):
    @needs_disk
    def test_restart_on_the_same_db_path(self):
        with tempfile.TemporaryDirectory(prefix="dynago-local-") as tmp:
            port = free_port()
            argv = ["-dbPath", tmp, "-sharedDb", "-port", str(port)]
            s = LocalProcess(argv, port).start()
            try:
                c = s.client()
                c.create_table(TableName="Kept", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                               AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                               BillingMode="PAY_PER_REQUEST")
                wait_active(c, "Kept")
                c.put_item(TableName="Kept", Item={"id": {"S": "k1"}})
            finally:
                self.assertEqual(s.stop(), 0, s.output())
            s = LocalProcess(argv, port).start()
            try:
                item = s.client().get_item(TableName="Kept", Key={"id": {"S": "k1"}}).get("Item")
                self.assertEqual(item, {"id": {"S": "k1"}})
            finally:
                self.assertEqual(s.stop(), 0, s.output())


class LocalFlagsCommandLine(unittest.TestCase):

    def run_dynago(self, *args, cwd=None):
        return subprocess.run([dynago_bin(), *args], capture_output=True, text=True, timeout=60, cwd=cwd)

    def test_version_flags(self):
        for flag in ("--version", "-version"):
            out = self.run_dynago(flag)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertTrue(out.stdout.startswith("dynago "), out.stdout)

    def test_help_lists_both_command_lines(self):
        out = self.run_dynago("-help")
        self.assertEqual(out.returncode, 0, out.stderr)
        for flag in ("-inMemory", "-sharedDb", "-dbPath", "-cors", "-delayTransientStatuses",
                     "-optimizeDbBeforeStartup", "-disableTelemetry", "-data-dir", "-log-format"):
            self.assertIn(flag, out.stderr)

    def test_db_path_with_in_memory_is_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = self.run_dynago("-dbPath", tmp, "-inMemory", "-port", str(free_port()))
            self.assertEqual(out.returncode, 1, out.stderr)
            self.assertIn("-dbPath and -inMemory", out.stderr)

    def test_harmless_flags_are_accepted(self):
        with tempfile.TemporaryDirectory() as tmp:
            port = free_port()
            s = LocalProcess(["-dbPath", tmp, "-sharedDb", "-optimizeDbBeforeStartup", "-disableTelemetry",
                              "-port", str(port)], port).start()
            try:
                self.assertEqual(s.client().list_tables()["TableNames"], [])
            finally:
                self.assertEqual(s.stop(), 0, s.output())
            self.assertIn("-optimizeDbBeforeStartup: nothing to do", s.output())

    def test_cors_list(self):
        port = free_port()
        s = LocalProcess(["-inMemory", "-sharedDb", "-cors", "http://app.example", "-port", str(port)], port).start()
        try:
            def preflight(origin):
                req = urllib.request.Request(s.url + "/", method="OPTIONS", headers={
                    "Origin": origin, "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "x-amz-target,content-type"})
                with urllib.request.urlopen(req, timeout=10) as resp:
                    return resp.headers
            self.assertEqual(preflight("http://app.example").get("Access-Control-Allow-Origin"), "http://app.example")
            self.assertIsNone(preflight("http://evil.example").get("Access-Control-Allow-Origin"))
        finally:
            s.stop()


class Logs(unittest.TestCase):

    def start(self, *extra):
        port = free_port()
        s = LocalProcess(["-inMemory", "-sharedDb", "-port", str(port), *extra], port).start()
        self.addCleanup(s.stop)
        return s

    def request_lines(self, s):
        lines = []
        for line in s.output().splitlines():
            if line.startswith("{"):
                m = json.loads(line)
                if m.get("msg") == "request":
                    lines.append(m)
        return lines

    def test_json_access_log(self):
        s = self.start("--log-format", "json")
        c = s.client()
        c.create_table(TableName="Logged", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                       AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                       ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
        put = c.put_item(TableName="Logged", Item={"id": {"S": "a"}, "v": {"S": "x" * 1500}})
        with self.assertRaises(c.exceptions.ResourceNotFoundException):
            c.get_item(TableName="Missing", Key={"id": {"S": "a"}})
        time.sleep(0.2)  # the line is written after the answer
        lines = self.request_lines(s)
        by_op = {m["op"]: m for m in lines}
        self.assertEqual(set(by_op), {"CreateTable", "PutItem", "GetItem"}, lines)
        p = by_op["PutItem"]
        self.assertEqual((p["level"], p["table"], p["status"], p["wcu"]), ("INFO", "Logged", 200, 2.0), p)
        self.assertEqual(p["request_id"], put["ResponseMetadata"]["RequestId"])
        self.assertIn("latency", p)
        g = by_op["GetItem"]
        self.assertEqual((g["table"], g["status"], g["error"]), ("Missing", 400, "ResourceNotFoundException"), g)

    def test_access_log_off(self):
        s = self.start("--log-format", "json", "--access-log=false")
        s.client().list_tables()
        time.sleep(0.2)
        self.assertEqual(self.request_lines(s), [], s.output())

    def test_text_access_log(self):
        s = self.start()
        s.client().list_tables()
        time.sleep(0.2)
        self.assertRegex(s.output(), r"level=INFO msg=request op=ListTables status=200 latency=\S+ request_id=\S+")


class DataDirectory(unittest.TestCase):

    @needs_disk
    def test_locked_data_dir_names_its_holder(self):
        with tempfile.TemporaryDirectory() as tmp:
            port = free_port()
            first = LocalProcess(["-dbPath", tmp, "-sharedDb", "-port", str(port)], port).start()
            try:
                second = subprocess.run([dynago_bin(), "-dbPath", tmp, "-sharedDb", "-port", str(free_port())],
                                        capture_output=True, text=True, timeout=60)
                self.assertEqual(second.returncode, 1, second.stderr)
                self.assertIn("locked by process %d" % first.proc.pid, second.stderr)
                self.assertIn(os.path.basename(dynago_bin()), second.stderr)
                check = subprocess.run([dynago_bin(), "check", "--data-dir", tmp],
                                       capture_output=True, text=True, timeout=60)
                self.assertEqual(check.returncode, 2, check.stderr)
                self.assertIn("locked by process %d" % first.proc.pid, check.stderr)
            finally:
                self.assertEqual(first.stop(), 0, first.output())

    @needs_disk
    def test_check_counts_every_table(self):
        with tempfile.TemporaryDirectory() as tmp:
            port = free_port()
            s = LocalProcess(["-dbPath", tmp, "-sharedDb", "-port", str(port)], port).start()
            try:
                c = s.client()
                c.create_table(TableName="Plain", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                               AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                               BillingMode="PAY_PER_REQUEST")
                c.create_table(TableName="Indexed", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                               AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"},
                                                     {"AttributeName": "g", "AttributeType": "S"}],
                               GlobalSecondaryIndexes=[{"IndexName": "byG",
                                                        "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                                        "Projection": {"ProjectionType": "ALL"}}],
                               BillingMode="PAY_PER_REQUEST")
                for i in range(3):
                    c.put_item(TableName="Plain", Item={"id": {"S": str(i)}})
                for i in range(2):
                    c.put_item(TableName="Indexed", Item={"id": {"S": str(i)}, "g": {"S": "x"}})
            finally:
                self.assertEqual(s.stop(), 0, s.output())
            out = subprocess.run([dynago_bin(), "check", "--data-dir", tmp], capture_output=True, text=True, timeout=60)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertIn("checked 2 tables, 1 indexes", out.stdout)
            self.assertIn(": 5 items, 2 index entries, 0 divergences", out.stdout)


if __name__ == "__main__":
    unittest.main()
