"""`dynago import` and `dynago export` as a user runs them: the real
binaries (dynago hands both to the dynago-transfer beside it) against a
dynago started with DynamoDB Local's command line. A 10^5-line CSV goes in
and comes back out (CSV and gzipped DynamoDB JSON) with the same items,
while standard error is a pseudo-terminal (a progress bar redrawn in place)
or a pipe (plain lines); standard input and output (`-`) work too; and a bad
line is reported with its number and skipped, exit status 1."""

import csv
import gzip
import io
import json
import os
import pty
import re
import subprocess
import tempfile
import threading
import unittest

from dynago_process import dynago_bin, free_port, wait_active
from test_local_flags import LocalProcess

N = 100_000
HEADER = ["pk", "sk", "name", "price", "zip", "active", "tags"]


def row(i):
    """The i-th CSV row, as text: cells that need quoting now and then, a
    zip code that must stay a string, numbers, booleans and a JSON cell."""
    name = "Lovelace, Ada %d" % i if i % 3 == 0 else "Ada %d" % i
    if i % 101 == 0:
        name = 'she said "hi" %d' % i
    tags = '{"SS":["a","t%d"]}' % i if i % 10 == 0 else ""
    return ["user#%07d" % i, str(i % 7), name, "%d.25" % i, "%05d" % (i % 1000),
            "true" if i % 2 == 0 else "false", tags]


def expected_item(i):
    """The DynamoDB item row(i) becomes with the import's type inference."""
    r = row(i)
    item = {"pk": {"S": r[0]}, "sk": {"N": r[1]}, "name": {"S": r[2]}, "price": {"N": r[3]},
            "zip": {"S": r[4]}, "active": {"BOOL": r[5] == "true"}}
    if r[6]:
        item["tags"] = {"SS": ["a", "t%d" % i]}
    return item


def normalise(item):
    """Sets compare as sets."""
    out = {}
    for k, v in item.items():
        if "SS" in v:
            v = {"SS": sorted(v["SS"])}
        out[k] = v
    return out


def run_with_stderr_pty(argv, stdin=None):
    """Runs argv with standard error on a pseudo-terminal; returns the
    exit code, standard output and everything written to the terminal."""
    master, slave = pty.openpty()
    chunks = []

    def read():
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO once the child has closed the terminal
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        proc = subprocess.run(argv, stdin=stdin if stdin is not None else subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=slave, timeout=600)
    finally:
        os.close(slave)
        reader.join(timeout=30)
        os.close(master)
    return proc.returncode, proc.stdout, b"".join(chunks).decode("utf-8", "replace")


class ImportExport(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="dynago-transfer-")
        port = free_port()
        cls.server = LocalProcess(["-inMemory", "-sharedDb", "-port", str(port)], port).start()
        cls.client = cls.server.client()
        cls.csv_path = os.path.join(cls.tmp.name, "users.csv")
        with open(cls.csv_path, "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(HEADER)
            for i in range(N):
                w.writerow(row(i))

    @classmethod
    def tearDownClass(cls):
        try:
            code = cls.server.stop()
            if code not in (0, None):
                raise AssertionError("dynago exited %s:\n%s" % (code, cls.server.output()))
        finally:
            cls.tmp.cleanup()

    def create_table(self, name):
        self.client.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "N"}],
            BillingMode="PAY_PER_REQUEST")
        wait_active(self.client, name)

    def dynago(self, *args):
        return [dynago_bin(), *args[:1], "--endpoint-url", self.server.url, *args[1:]]

    def scan_table(self, name):
        items = {}
        for page in self.client.get_paginator("scan").paginate(TableName=name):
            for it in page["Items"]:
                items[it["pk"]["S"]] = normalise(it)
        return items

    def assert_all_items(self, items, what):
        self.assertEqual(len(items), N, what)
        for i in range(N):
            want = normalise(expected_item(i))
            got = items.get(want["pk"]["S"])
            if got != want:
                self.fail("%s: item %d:\n got %r\nwant %r" % (what, i, got, want))

    def test_csv_round_trip_on_a_terminal(self):
        self.create_table("UsersTTY")
        code, out, tty = run_with_stderr_pty(self.dynago("import", "--table", "UsersTTY", self.csv_path))
        self.assertEqual(code, 0, tty)
        self.assertEqual(out, b"")
        # The bar: redrawn in place (carriage returns, no line per update),
        # the input's position and rate in bytes with the items written
        # and their rate before it; its last frame at 100% with the final
        # count; then the summary line.
        self.assertIn("\r", tty)
        frames = [f for f in tty.split("\r") if f.strip()]
        self.assertGreaterEqual(len(frames), 3, repr(tty))
        self.assertRegex(tty, r"import: \d+ items, \d+ items/s +\d+% \|[█ ]+\| \([\d.]+ [kM]?B/s\) \[\d+s:\d+s\]",
                         repr(tty[-600:]))
        self.assertRegex(frames[-2], r"^import: 100000 items, \d+ items/s 100% \|█{30}\| \([\d.]+ [kM]?B/s\)$",
                         repr(tty[-600:]))
        self.assertRegex(tty, r"imported 100000 items in [\d.]+m?s \(\d+ items/s\)")
        self.assertLessEqual(tty.count("\n"), 3, repr(tty))
        self.assert_all_items(self.scan_table("UsersTTY"), "table after the import")
        self.assertFalse(os.path.exists(self.csv_path + ".dynago-checkpoint"))

        back = os.path.join(self.tmp.name, "back.csv")
        code, out, tty = run_with_stderr_pty(self.dynago("export", "--table", "UsersTTY", back))
        self.assertEqual(code, 0, tty)
        self.assertIn("\r", tty)
        frames = [f for f in tty.split("\r") if f.strip()]
        self.assertRegex(frames[-2], r"^export 100% \|█{30}\| \(100000/100000, \d+ items/s\)$", repr(tty[-600:]))
        self.assertRegex(tty, r"exported 100000 items in [\d.]+m?s \(\d+ items/s\)")
        with open(back, newline="") as f:
            rows = list(csv.reader(f))
        # The keys first, then the other attributes in the order of the
        # first items exported.
        self.assertEqual(rows[0][:2], ["pk", "sk"])
        self.assertEqual(sorted(rows[0]), sorted(HEADER))
        self.assertEqual(len(rows), N + 1)
        by_pk = {}
        for r in rows[1:]:
            by_pk[r[0]] = dict(zip(rows[0], r))
        for i in range(N):
            want = dict(zip(HEADER, row(i)))
            got = by_pk.get(want["pk"])
            if got is None:
                self.fail("export: %s missing" % want["pk"])
            if want["tags"]:
                # A set is written as its DynamoDB JSON, members in any order.
                self.assertEqual(normalise({"t": json.loads(got["tags"])}), normalise({"t": json.loads(want["tags"])}))
                got, want = dict(got, tags=""), dict(want, tags="")
            if got != want:
                self.fail("export: row %d:\n got %r\nwant %r" % (i, got, want))

    def test_csv_round_trip_through_pipes(self):
        self.create_table("UsersPipe")
        proc = subprocess.run(self.dynago("import", "--table", "UsersPipe", "--progress-interval", "50ms",
                                          self.csv_path),
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertNotIn("\r", proc.stderr)
        self.assertNotIn("█", proc.stderr)
        lines = proc.stderr.strip().split("\n")
        # Plain lines while it runs (how many depends on the machine's
        # speed: at least the last), then the summary.
        self.assertRegex(lines[-1], r"^imported 100000 items in [\d.]+m?s \(\d+ items/s\)$", proc.stderr)
        for line in lines[:-1]:
            self.assertRegex(line, r"^import: \d+ items, [\d.]+ of 5\.\d MB, \d+ items/s(, \d+%, ETA [\dhms.]+)?$", proc.stderr)
        self.assert_all_items(self.scan_table("UsersPipe"), "table after the import")

        # Export to standard output, gzipped DynamoDB JSON, through a pipe.
        proc = subprocess.run(self.dynago("export", "--table", "UsersPipe", "--format", "ddbjson",
                                          "--compression", "gzip", "--progress-interval", "50ms", "-"),
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=600)
        err = proc.stderr.decode()
        self.assertEqual(proc.returncode, 0, err)
        lines = err.strip().split("\n")
        self.assertRegex(lines[-1], r"^exported 100000 items in [\d.]+m?s \(\d+ items/s\)$", err)
        for line in lines[:-1]:
            self.assertRegex(line, r"^export: \d+ items of about 100000, \d+ items/s(, \d+%, ETA [\dhms.]+)?$", err)
        items = {}
        for line in gzip.decompress(proc.stdout).decode().splitlines():
            it = json.loads(line)["Item"]
            items[it["pk"]["S"]] = normalise(it)
        self.assert_all_items(items, "gzipped DynamoDB JSON export")

        # And back in from standard input, into a third table.
        self.create_table("UsersStdin")
        proc2 = subprocess.run(self.dynago("import", "--table", "UsersStdin", "--format", "ddbjson",
                                           "--compression", "gzip", "-"),
                               input=proc.stdout, capture_output=True, timeout=600)
        self.assertEqual(proc2.returncode, 0, proc2.stderr.decode())
        self.assertIn(b"imported 100000 items", proc2.stderr)
        self.assert_all_items(self.scan_table("UsersStdin"), "table imported from standard input")

    def test_bad_lines_are_reported_and_skipped(self):
        self.create_table("UsersBad")
        path = os.path.join(self.tmp.name, "bad.csv")
        with open(path, "w") as f:
            f.write("pk,sk,name\nu1,1,ok\nu2,not-a-number,bad\nu3,3,ok\n,4,no key\nu5,5,ok,extra\nu6,6,ok\n")
        proc = subprocess.run(self.dynago("import", "--table", "UsersBad", path),
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 1, proc.stderr)
        for line in (3, 5, 6):
            self.assertRegex(proc.stderr, r"line %d\b" % line)
        self.assertIn("imported 3 items", proc.stderr)
        self.assertIn("3 bad lines", proc.stderr)
        got = sorted(it["pk"]["S"] for it in self.client.scan(TableName="UsersBad")["Items"])
        self.assertEqual(got, ["u1", "u3", "u6"])


if __name__ == "__main__":
    unittest.main()
