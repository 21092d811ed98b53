"""Start and stop a real `dynago` binary for the end-to-end tests.

The binary comes from $DYNAGO_BIN (e2e/run.sh builds it with `go build -o`).
Each DynagoProcess listens on a free loopback port and stores its data in a
directory the caller chooses, so a test can stop the server and start a new
one on the same data, as a user restarting it would.
"""

import os
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

import boto3
from botocore.config import Config

# How long a freshly started binary may take to answer its health check.
START_TIMEOUT_S = 20.0
# How long a SIGTERM'd binary may take to exit.
STOP_TIMEOUT_S = 20.0

REGION = "us-east-1"
# Dynago accepts any credentials, as DynamoDB Local does.
CREDENTIALS = dict(aws_access_key_id="dynago", aws_secret_access_key="dynago")


# needs_disk skips a test that needs the server's data on disk (a data
# directory made, data surviving a restart, `dynago check`) when the suite
# runs against the mock TiKV cluster (DYNAGO_TIKV=mock, with a binary built
# with -tags tikv): the mock keeps its data in the server's memory, by
# design. unittest counts and lists it as skipped, with this reason.
needs_disk = unittest.skipIf(
    os.environ.get("DYNAGO_TIKV") == "mock",
    "by design on --tikv mock: the mock TiKV cluster keeps no data on disk, "
    "so there is no data directory, restart or `dynago check` to test",
)


def dynago_bin():
    path = os.environ.get("DYNAGO_BIN")
    if not path:
        raise RuntimeError("DYNAGO_BIN is not set: run the suite with e2e/run.sh")
    return path


def free_port():
    """A port that was free a moment ago on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DynagoProcess:
    """One `dynago serve` child process."""

    def __init__(self, data_dir, port=None, extra_args=(), env=None, cwd=None):
        self.data_dir = data_dir
        self.port = port or free_port()
        self.extra_args = list(extra_args)
        self.env = env
        self.cwd = cwd
        self.proc = None
        self.log = None
        self.final_output = ""

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self):
        args = [dynago_bin(), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        if self.data_dir is not None:
            args += ["--data-dir", self.data_dir]
        args += self.extra_args
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            args, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=self.env, cwd=self.cwd)
        wait_healthy(self.url, self.proc, self.output)
        return self

    def output(self):
        """Everything the server has logged so far, for failure messages."""
        if self.log is None:
            return self.final_output
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def _close_log(self):
        if self.log is not None:
            self.final_output = self.output()
            self.log.close()
            self.log = None

    def stop(self):
        """SIGTERM, as Ctrl-C or a service manager would; returns the exit code."""
        if self.proc is None:
            return None
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
            self._close_log()
            raise AssertionError("dynago did not exit within %ss of SIGTERM:\n%s"
                                 % (STOP_TIMEOUT_S, self.output()))
        self.proc = None
        self._close_log()
        return code

    def kill(self):
        """SIGKILL: no chance to flush anything."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
        self._close_log()

    def client(self):
        return boto3.client("dynamodb", endpoint_url=self.url, region_name=REGION,
                            config=Config(retries={"max_attempts": 3}), **CREDENTIALS)

    def resource(self):
        return boto3.resource("dynamodb", endpoint_url=self.url, region_name=REGION,
                              config=Config(retries={"max_attempts": 3}), **CREDENTIALS)


def wait_healthy(url, proc, output):
    deadline = time.monotonic() + START_TIMEOUT_S
    last = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError("dynago exited with %s before answering:\n%s"
                                 % (proc.returncode, output()))
        try:
            with urllib.request.urlopen(url + "/", timeout=1) as resp:
                resp.read()
                return
        except urllib.error.HTTPError:
            return  # it answered, which is all a health check needs
        except OSError as e:  # refused while it starts
            last = e
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    raise AssertionError("dynago did not answer on %s within %ss (%s):\n%s"
                         % (url, START_TIMEOUT_S, last, output()))


def wait_active(client, table_name):
    """The seeds call create_table and go straight on (or pass wait=True);
    the SDK's waiter polls every 20 s, too slow here, so poll quickly."""
    waiter = client.get_waiter("table_exists")
    waiter.wait(TableName=table_name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})


class ServerTestCase:
    """Mixin for unittest.TestCase: one dynago per test class, on a fresh
    temporary data directory, stopped (and checked to stop cleanly) at the
    end."""

    server = None

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="dynago-e2e-")
        cls.server = DynagoProcess(os.path.join(cls.tmp.name, "data")).start()

    @classmethod
    def tearDownClass(cls):
        try:
            code = cls.server.stop()
            if code not in (0, None):
                raise AssertionError("dynago exited %s after SIGTERM:\n%s" % (code, cls.server.output()))
        finally:
            cls.tmp.cleanup()
