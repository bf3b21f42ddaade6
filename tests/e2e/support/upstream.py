"""The stand-in upstream (tests/upstream/stand_in.py) as the suite runs and reads it."""

import base64
import importlib.util
import select
import subprocess
import sys
from dataclasses import dataclass

from . import client, processes

SCRIPT = processes.ROOT / "tests" / "upstream" / "stand_in.py"


def _load(path):
    spec = importlib.util.spec_from_file_location("stand_in", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# What the stand-in answers (USAGE, STREAM_PIECES, CHUNK_DELAY), from the script itself.
reference = _load(SCRIPT)


@dataclass
class Received:
    """One request as the stand-in received it."""

    method: str
    path: str
    headers: list
    body: bytes

    def header_values(self, name):
        return [value for key, value in self.headers if key.lower() == name.lower()]


class StandIn:
    def __init__(self, log_path, port=0):
        """A stand-in on `port` (0: a free one)."""
        self.log_path = log_path
        self.proc = processes.start_group([sys.executable, str(SCRIPT), "--port", str(port)],
                                          log_path, stdout=subprocess.PIPE)
        ready, _, _ = select.select([self.proc.stdout], [], [], 15)
        line = self.proc.stdout.readline().decode() if ready else ""
        if not line.startswith("listening on "):
            self.stop()
            raise RuntimeError(f"the stand-in did not start:\n{processes.tail(log_path)}")
        self.port = int(line.rsplit(":", 1)[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def received(self):
        """Everything received since the last clear(), oldest first."""
        items = client.request(self.port, "GET", "/__requests").json()
        return [Received(item["method"], item["path"], item["headers"],
                         base64.b64decode(item["body_b64"])) for item in items]

    def clear(self):
        client.request(self.port, "DELETE", "/__requests")

    def stop(self):
        processes.stop_group(self.proc)
        self.proc.stdout.close()
