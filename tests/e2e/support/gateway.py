"""The Worker under test: the compiled gateway in local workerd via `wrangler dev`, with
real local KV and D1, built from one gateway config.

Only one runs at a time: every `wrangler dev` builds into the same build/ and target/.
"""

import http.client
import json
import subprocess

from . import client, processes
from .access_log import DATABASE, AccessLog
from .polling import wait_until

DEFAULT_CONFIG = "gateway.toml"
READY_TIMEOUT = 600  # seconds: the first start compiles the Worker


class Gateway:
    """One `wrangler dev` with its own state directory (KV, D1) and its own log."""

    def __init__(self, config, variables, workdir):
        self.config = config
        self.variables = variables
        self.log_path = workdir / "wrangler.log"
        persist = workdir / "state"
        self.env = processes.script_env(GATEWAY_CONFIG=config, FORCE_COLOR="0")
        self._migrate(persist)
        self.port = processes.free_port()
        args = ["npx", "wrangler", "dev", "--ip", "127.0.0.1", "--port", str(self.port),
                "--inspector-port", str(processes.free_port()), "--persist-to", str(persist),
                "--show-interactive-dev-session=false"]
        for name, value in variables.items():
            args += ["--var", f"{name}:{value}"]
        self.proc = processes.start_group(args, self.log_path, env=self.env)
        self.access_log = AccessLog(persist, self.env)
        try:
            wait_until(self._answers, READY_TIMEOUT, f"wrangler dev ({config})", interval=1)
        except TimeoutError as timeout:
            self.stop()
            output = processes.tail(self.log_path)
            raise TimeoutError(f"{timeout}; its output:\n{output}") from None
        except BaseException:
            self.stop()
            raise

    def _migrate(self, persist):
        """The shipped migrations, as an operator applies them, then the tables of this
        config as `gateway migrate` declares them (a no-op for gateway.toml's own)."""
        schema = persist.parent / "schema.sql"
        schema.write_bytes(self._run(["cargo", "run", "-q", "--bin", "gateway", "--",
                                      "migrate", "--print", self.config]))
        self._run(["npx", "wrangler", "d1", "migrations", "apply", DATABASE, "--local",
                   "--persist-to", str(persist)])
        self._run(["npx", "wrangler", "d1", "execute", DATABASE, "--local",
                   "--persist-to", str(persist), "--file", str(schema)])

    def _run(self, args):
        done = subprocess.run(args, cwd=processes.ROOT, env=self.env, capture_output=True,
                              stdin=subprocess.DEVNULL, timeout=300)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:4])} failed:\n{done.stdout.decode()}"
                               f"{done.stderr.decode()}")
        return done.stdout

    def _answers(self):
        """Ready once /health gets any HTTP answer (test_health checks what it says)."""
        if self.proc.poll() is not None:
            raise RuntimeError(f"wrangler dev ({self.config}) exited with {self.proc.returncode}:"
                               f"\n{processes.tail(self.log_path)}")
        try:
            client.request(self.port, "GET", "/health", timeout=5)
            return True
        except (OSError, http.client.HTTPException):
            return False

    def request(self, method, path, body=None, headers=None, timeout=client.TIMEOUT):
        """A request sent as is (bytes body, raw path); a dict or list body goes as JSON."""
        headers = dict(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        return client.request(self.port, method, path, body, headers, timeout)

    def get(self, path, headers=None):
        return self.request("GET", path, headers=headers)

    def post(self, path, body, headers=None):
        return self.request("POST", path, body, headers)

    def stop(self):
        processes.stop_group(self.proc)


class GatewayPool:
    """Hands out gateways by (config, variables), at most one running: asking for another
    one ends the running one. A gateway that failed to start fails again at once."""

    def __init__(self, new_workdir, default_variables):
        self._new_workdir = new_workdir
        self._defaults = default_variables
        self._running = None
        self._running_key = None
        self._failed = {}

    def get(self, config=DEFAULT_CONFIG, variables=None):
        variables = {**self._defaults, **(variables or {})}
        key = (config, tuple(sorted(variables.items())))
        if key == self._running_key:
            return self._running
        if key in self._failed:
            raise RuntimeError(f"the gateway {key} failed to start before") from self._failed[key]
        self.close()
        try:
            self._running = Gateway(config, variables, self._new_workdir())
        except Exception as error:
            self._failed[key] = error
            raise
        self._running_key = key
        return self._running

    def close(self):
        if self._running:
            self._running.stop()
        self._running = self._running_key = None
