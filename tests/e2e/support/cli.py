"""The `gateway` command line, run the way an operator runs it: `cargo run --bin gateway`
in the repo root (scripts/test.sh has built it already with `cargo test`)."""

import subprocess

from . import processes

TIMEOUT = 900  # seconds: on a fresh checkout this compiles the binary first


def gateway(*args, **env):
    """Runs `gateway ARGS` with `env` added to the scripts' environment; returns
    (exit code, stdout, stderr)."""
    done = subprocess.run(["cargo", "run", "-q", "--locked", "--bin", "gateway", "--", *args],
                          cwd=processes.ROOT, env=processes.script_env(**env),
                          capture_output=True, stdin=subprocess.DEVNULL, timeout=TIMEOUT)
    return done.returncode, done.stdout.decode(), done.stderr.decode()


def gateway_ok(*args, **env):
    """`gateway ARGS`, which must succeed; its stdout."""
    code, out, err = gateway(*args, **env)
    assert code == 0, f"gateway {' '.join(args)} exited with {code}:\n{out}{err}"
    return out
