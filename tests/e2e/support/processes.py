"""Starting and ending the suite's servers, each in its own process group.

`wrangler dev` starts node and two workerd processes; ending the whole group is the only way
to be sure that no server outlives the tests.
"""

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

_held = []  # sockets kept bound (not listening) so that their ports stay refused


def free_port():
    """A port that nothing listens on right now (the kernel's pick)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def refused_port():
    """A port that refuses connections for the rest of the session: it is bound, never
    listened on, so no other process can take it meanwhile."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    _held.append(sock)
    return sock.getsockname()[1]


def script_env(**extra):
    """The environment that scripts/env.sh sets up (PATH, worker-build's *_BIN variables),
    read from the script itself so that it stays the one place that says it."""
    out = subprocess.run(["bash", "-c", 'source scripts/env.sh && env -0'], cwd=ROOT,
                         check=True, capture_output=True).stdout
    env = dict(item.split("=", 1) for item in out.decode().split("\0") if "=" in item)
    env.update(extra)
    return env


def start_group(args, log_path, env=None, stdout=None):
    """Starts `args` in a new session; its output (or just stderr, when stdout is given)
    goes to log_path."""
    log = open(log_path, "ab")
    try:
        return subprocess.Popen(args, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                stdout=stdout or log, stderr=log, start_new_session=True)
    finally:
        log.close()  # the child has its own copy


def stop_group(proc, grace=10):
    """SIGTERM to the process group, then SIGKILL if it is still there after `grace` s."""
    for sig, timeout in ((signal.SIGTERM, grace), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        if _group_gone(proc, timeout):
            return


def _group_gone(proc, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        proc.poll()  # reaps the leader, which otherwise keeps the group alive as a zombie
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def tail(path, lines=60):
    """The end of a log file, to explain a failure."""
    try:
        text = Path(path).read_text(errors="replace")
    except FileNotFoundError:
        return "(no output)"
    return "\n".join(text.splitlines()[-lines:])
