"""The binary as the README presents it: `dynago version`, the default
port and data directory, DYNAGO_* environment variables, the health check,
and refusing a request without SigV4 credentials."""

import json
import os
import signal
import socket
import subprocess
import tempfile
import unittest
import urllib.error
import urllib.request

from dynago_process import DynagoProcess, dynago_bin, free_port, needs_disk, wait_healthy

DEFAULT_PORT = 8000


def port_is_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


class Binary(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="dynago-bin-")
        self.procs = []
        self.logs = []

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        for log in self.logs:
            log.close()
        self.tmp.cleanup()

    def spawn(self, args, env=None):
        log = tempfile.TemporaryFile()
        p = subprocess.Popen([dynago_bin(), *args], cwd=self.tmp.name, env=env, stdout=log,
                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.procs.append(p)
        self.logs.append(log)

        def output():
            log.seek(0)
            return log.read().decode("utf-8", "replace")
        return p, output

    def test_version(self):
        out = subprocess.run([dynago_bin(), "version"], capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertTrue(out.stdout.strip(), "dynago version printed nothing")

    @unittest.skipUnless(port_is_free(DEFAULT_PORT), "port 8000 is in use on this machine")
    @needs_disk
    def test_no_arguments_serves_on_8000_with_data_in_cwd(self):
        p, output = self.spawn([])
        wait_healthy("http://127.0.0.1:%d" % DEFAULT_PORT, p, output)
        self.assertTrue(os.path.isdir(os.path.join(self.tmp.name, "dynago-data")),
                        "no ./dynago-data after starting with defaults:\n" + output())

    @needs_disk
    def test_environment_variables(self):
        port = free_port()
        data = os.path.join(self.tmp.name, "env-data")
        env = dict(os.environ, DYNAGO_PORT=str(port), DYNAGO_DATA_DIR=data, DYNAGO_LOG_LEVEL="debug")
        p, output = self.spawn(["serve"], env=env)
        wait_healthy("http://127.0.0.1:%d" % port, p, output)
        self.assertTrue(os.path.isdir(data), "DYNAGO_DATA_DIR was not used:\n" + output())

    def test_sigint_shuts_down_cleanly(self):
        server = DynagoProcess(os.path.join(self.tmp.name, "data"), cwd=self.tmp.name).start()
        server.proc.send_signal(signal.SIGINT)  # Ctrl-C
        self.assertEqual(server.proc.wait(timeout=20), 0, server.output())
        server.proc = None
        server.kill()  # closes the log

    def test_health_check_and_missing_authentication(self):
        server = DynagoProcess(None, extra_args=["--in-memory"], cwd=self.tmp.name).start()
        try:
            with urllib.request.urlopen(server.url + "/", timeout=5) as resp:
                self.assertEqual(resp.status, 200)
                self.assertIn(b"healthy", resp.read())

            req = urllib.request.Request(
                server.url + "/", data=b"{}", method="POST",
                headers={"X-Amz-Target": "DynamoDB_20120810.ListTables",
                         "Content-Type": "application/x-amz-json-1.0"})
            with self.assertRaises(urllib.error.HTTPError) as cm:
                urllib.request.urlopen(req, timeout=5)
            self.assertEqual(cm.exception.code, 400)
            body = json.loads(cm.exception.read())
            self.assertTrue(body["__type"].endswith("#MissingAuthenticationTokenException"), body)
            self.assertEqual(body["message"], "Request is missing Authentication Token")
        finally:
            self.assertEqual(server.stop(), 0, server.output())


if __name__ == "__main__":
    unittest.main()
