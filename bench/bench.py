#!/usr/bin/env python3
"""Benchmark of the gateway in local workerd (`wrangler dev`) against the stand-in upstream.

Run it with `scripts/bench.sh`, which installs the tools and builds the release Worker
first (this program reads build/index_bg.wasm as that build left it). It prints figures and
asserts nothing about speed:

  1. the size of the release build: wasm raw and gzip -9, the JS shim;
  2. non-streamed chat completions at a fixed concurrency over keep-alive connections,
     straight to the stand-in and through the gateway (gateway.toml, KV limiter; every
     request has its own X-User-ID so that the 50/min limit refuses none): requests/s,
     p50, p99, gateway/direct ratios;
  3. streamed completions: time to the first SSE event and to the end of the stream,
     median over a number of runs, direct and through the gateway;
  4. the limiter under a burst: C concurrent requests of one new user against 50/60 s,
     with the KV limiter (soft: the excess over 50 is its overshoot) and with the Durable
     Object limiter of examples/strict-quota.toml (a second build).

Then a Markdown table of all the figures, also written to bench/last-run.md. Every figure
comes from this run. The client is this Python program on the same machine as the servers:
it competes with them for the same cores, and the output says how much CPU it used.

The servers are the end-to-end suite's (tests/e2e/support): each in its own process group,
ended as a group.
"""

import argparse
import collections
import datetime
import gzip
import http.client
import itertools
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from support import chat, client, limits, processes  # noqa: E402
from support.gateway import DEFAULT_CONFIG, Gateway  # noqa: E402
from support.upstream import StandIn, reference  # noqa: E402

STRICT_CONFIG = "examples/strict-quota.toml"
LIMIT = 50  # [limiters.per-user] requests, in gateway.toml and in the strict preset
PATH = "/v1/chat/completions"
WASM = ROOT / "build" / "index_bg.wasm"
SHIM = ROOT / "build" / "index.js"
TABLE_FILE = ROOT / "bench" / "last-run.md"


def say(text=""):
    print(text, flush=True)


def section(title):
    say()
    say(f"== {title}")


# ---------------------------------------------------------------------------- the machine


def command_version(env, *args):
    """The last word of the first line a command prints (`worker-build 0.8.7` -> 0.8.7)."""
    try:
        out = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True,
                             stdin=subprocess.DEVNULL, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"unavailable ({error})"
    lines = (out.stdout or out.stderr).strip().splitlines()
    return lines[0].split()[-1] if out.returncode == 0 and lines else "unavailable"


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_total():
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def load_average():
    """The 1, 5 and 15 minute load averages: how busy the machine was besides this run."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def nproc():
    try:
        return int(subprocess.run(["nproc"], capture_output=True, text=True,
                                  check=True).stdout)
    except (OSError, ValueError, subprocess.CalledProcessError):
        return os.cpu_count() or 0


def machine(env):
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "nproc": nproc(),
        "cpu": cpu_model(),
        "memory": memory_total(),
        "kernel": platform.release(),
        "wrangler": command_version(env, "wrangler", "--version"),
        "worker-build": command_version(env, "worker-build", "--version"),
        "wasm-bindgen": command_version(env, "wasm-bindgen", "--version"),
        "rustc": rustc_version(env),
        "node": command_version(env, "node", "--version"),
        "python": platform.python_version(),
        "commit": commit(),
    }


def commit():
    """The commit measured, or why it is not known (a `git archive` copy has no .git)."""
    def git(*args):
        return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)

    try:
        head = git("rev-parse", "--short", "HEAD")
        if head.returncode != 0:
            return "unknown, not a git checkout"
        dirty = git("status", "--porcelain", "--untracked-files=no").stdout.strip()
    except OSError:
        return "unknown, no git"
    return head.stdout.strip() + (" with uncommitted changes" if dirty else "")


def rustc_version(env):
    """`rustc X.Y.Z (hash date)` -> X.Y.Z."""
    try:
        out = subprocess.run(["rustc", "--version"], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=60)
        return out.stdout.split()[1] if out.returncode == 0 else "unavailable"
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "unavailable"


# ------------------------------------------------------------------------------ CPU use


def group_cpu_seconds(pgid):
    """User + system CPU seconds of the live processes in a process group, by command name
    (from /proc; a process that ended meanwhile is not counted)."""
    ticks = collections.Counter()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # gone meanwhile
        name = text[text.find("(") + 1:text.rfind(")")]
        fields = text[text.rfind(")") + 2:].split()
        if int(fields[2]) == pgid:  # state ppid pgrp ... utime(14) stime(15)
            ticks[name] += int(fields[11]) + int(fields[12])
    return {name: n / os.sysconf("SC_CLK_TCK") for name, n in ticks.items()}


class CpuMeter:
    """CPU used during a `with` block by this process and by given process groups."""

    def __init__(self, groups):
        self.groups = groups  # name -> pgid

    def __enter__(self):
        self._wall = time.perf_counter()
        self._own = time.process_time()
        self._start = {name: group_cpu_seconds(pgid) for name, pgid in self.groups.items()}
        return self

    def __exit__(self, *_):
        self.wall = time.perf_counter() - self._wall
        self.used = {"client": time.process_time() - self._own}
        self.by_command = {}
        for name, pgid in self.groups.items():
            now, before = group_cpu_seconds(pgid), self._start[name]
            self.by_command[name] = {command: seconds - before.get(command, 0)
                                     for command, seconds in now.items()}
            self.used[name] = sum(self.by_command[name].values())


# ----------------------------------------------------------------------------- load runs


class CountingConnection(http.client.HTTPConnection):
    """An http.client connection that counts the TCP connections it opens (keep-alive
    means one per worker thread, unless the server closes them)."""

    opened = 0
    _lock = threading.Lock()

    def connect(self):
        super().connect()
        with CountingConnection._lock:
            CountingConnection.opened += 1


def percentile(sorted_values, fraction):
    """Linear interpolation between closest ranks (numpy's default)."""
    if not sorted_values:
        return float("nan")
    position = (len(sorted_values) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def load(port, count, concurrency, headers_for, body):
    """`count` POSTs spread over `concurrency` threads, each with one keep-alive connection.
    The connections are opened before the clock starts. Returns (statuses Counter, sorted
    latencies in s of the 200s, wall s, connections opened, a sample non-200 answer or
    None)."""
    numbers = itertools.count()
    statuses = collections.Counter()
    latencies = []
    sample = []
    lock = threading.Lock()
    CountingConnection.opened = 0

    ready = threading.Barrier(concurrency + 1)

    def worker():
        conn = CountingConnection("127.0.0.1", port, timeout=client.TIMEOUT)
        mine = []
        try:
            try:
                conn.connect()  # TCP setup before the clock starts
            finally:
                ready.wait()
            while (number := next(numbers)) < count:
                headers = headers_for(number)
                started = time.perf_counter()
                try:
                    conn.request("POST", PATH, body=body, headers=headers)
                    response = conn.getresponse()
                    data = response.read()
                    status = response.status
                except (OSError, http.client.HTTPException) as error:
                    conn.close()  # the next request opens a new connection
                    status, data = type(error).__name__, str(error).encode()
                elapsed = time.perf_counter() - started
                if status == 200:
                    mine.append(elapsed)
                with lock:
                    statuses[status] += 1
                    if status != 200 and not sample:
                        sample.append(f"{status}: {data[:300]!r}")
        finally:
            conn.close()
            with lock:
                latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    ready.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return statuses, latencies, wall, CountingConnection.opened, (sample or [None])[0]


def throughput(name, port, args, headers_for, groups):
    """One measured load run, after a warm-up; prints and returns its figures."""
    body = chat.body("Say hello")
    load(port, args.warmup, args.concurrency, lambda n: headers_for(f"warm-{n}"), body)
    with CpuMeter(groups) as cpu:
        statuses, latencies, wall, opened, sample = load(
            port, args.requests, args.concurrency, lambda n: headers_for(str(n)), body)
    # The CPU includes the threads' start and TCP setup, a few ms of the whole run.
    ok = statuses.get(200, 0)
    figures = {
        "name": name,
        "requests": args.requests,
        "ok": ok,
        "all_200": ok == args.requests,
        "statuses": dict(statuses),
        "rps": args.requests / wall,
        "p50": percentile(latencies, 0.50) * 1000,
        "p99": percentile(latencies, 0.99) * 1000,
        "mean": statistics.fmean(latencies) * 1000 if latencies else float("nan"),
        "max": latencies[-1] * 1000 if latencies else float("nan"),
        "wall": wall,
        "connections": opened,
        "cpu": cpu.used,
        "sample": sample,
    }
    codes = ", ".join(f"{code}: {n}" for code, n in sorted(statuses.items(), key=str))
    verdict = (f"all {args.requests} answers were 200" if figures["all_200"]
               else f"NOT all 200 -- {codes}; first other answer {sample}")
    say(f"{name}: {args.requests} requests in {wall:.2f} s, {verdict}")
    say(f"  {figures['rps']:.0f} req/s   p50 {figures['p50']:.2f} ms   "
        f"p99 {figures['p99']:.2f} ms   mean {figures['mean']:.2f} ms   "
        f"max {figures['max']:.2f} ms")
    say(f"  TCP connections opened: {opened} for {args.concurrency} threads "
        f"({'keep-alive held' if opened <= args.concurrency else 'the server closed some'})")
    per_request = ", ".join(f"{who} {seconds / args.requests * 1e3:.2f} ms"
                            for who, seconds in cpu.used.items())
    busy = sum(cpu.used.values()) / cpu.wall
    say(f"  CPU per request: {per_request}; all of them together kept "
        f"{busy:.2f} of {args.nproc} cores busy")
    gateway_parts = ", ".join(f"{command} {seconds / args.requests * 1e3:.2f} ms"
                              for command, seconds in sorted(cpu.by_command["gateway"].items())
                              if seconds > 0)
    if gateway_parts:
        say(f"  (gateway processes by /proc name, per request: {gateway_parts}; "
            f"MainThread is wrangler's node)")
    return figures


# ----------------------------------------------------------------------------- streaming


def stream_once(port, headers, body):
    """One streamed completion: (status, s to the first `data:` line, s to the end of the
    body, number of events, whether the last one was [DONE])."""
    conn = client.connect(port)
    try:
        started = time.perf_counter()
        response = client.send(conn, "POST", PATH, body, headers)
        first, events, last = None, 0, b""
        while line := response.readline():
            if line.startswith(b"data:"):
                if first is None:
                    first = time.perf_counter() - started
                events += 1
                last = line[5:].strip()
        total = time.perf_counter() - started
        return response.status, first, total, events, last == b"[DONE]"
    finally:
        conn.close()


def streaming(direct_port, gateway_port, runs):
    """`runs` streamed completions each way, alternating; medians in ms."""
    body = chat.body("Say hello", stream=True)
    tag = uuid.uuid4().hex[:8]
    samples = {"direct": [], "gateway": []}
    problems = []
    for number in range(-1, runs):  # run -1 warms both up and is not counted
        for name, port in (("direct", direct_port), ("gateway", gateway_port)):
            headers = {"Content-Type": "application/json",
                       "X-User-ID": f"bench-sse-{tag}-{number}"}
            status, first, total, events, done = stream_once(port, headers, body)
            if status != 200 or not done or first is None:
                problems.append(f"{name} run {number}: status {status}, {events} events, "
                                f"ended with [DONE]: {done}")
                continue
            if number >= 0:
                samples[name].append((first, total, events))
    figures = {"runs": runs, "problems": problems}
    for name, values in samples.items():
        figures[name] = {
            "n": len(values),
            "first": statistics.median(v[0] for v in values) * 1000 if values else float("nan"),
            "total": statistics.median(v[1] for v in values) * 1000 if values else float("nan"),
            "events": sorted({v[2] for v in values}),
        }
    for name in samples:
        f = figures[name]
        say(f"{name}: {f['n']} streams, {'/'.join(map(str, f['events']))} events each: "
            f"first event (median) {f['first']:.1f} ms, whole stream (median) "
            f"{f['total']:.1f} ms")
    direct, through = figures["direct"], figures["gateway"]
    say(f"gateway - direct: first event {through['first'] - direct['first']:+.1f} ms, "
        f"whole stream {through['total'] - direct['total']:+.1f} ms "
        f"(the stand-in sends its events {reference.CHUNK_DELAY * 1000:.0f} ms apart)")
    for problem in problems:
        say(f"  PROBLEM: {problem}")
    return figures


# ------------------------------------------------------------------------------- bursts


def seconds_left_in_window():
    return limits.WINDOW - time.time() % limits.WINDOW


def burst(port, user, count, pool):
    """`count` concurrent requests of `user` (fresh connections, `pool` threads); the
    statuses, in order, and the wall time."""
    body = chat.body("Say hello")
    headers = {"Content-Type": "application/json", "X-User-ID": user}
    gate = threading.Barrier(min(pool, count))

    def one(number):
        if number < pool:
            try:
                gate.wait(timeout=30)  # the first wave leaves together
            except threading.BrokenBarrierError:
                pass
        try:
            return client.request(port, "POST", PATH, body, headers).status
        except (OSError, http.client.HTTPException) as error:
            return type(error).__name__

    started = time.perf_counter()
    with ThreadPoolExecutor(pool) as executor:
        statuses = list(executor.map(one, range(count)))
    return statuses, time.perf_counter() - started


def counter_after(port, user):
    """One more request of `user`: its status and what its x-ratelimit-remaining-requests
    says the user's count now is (limit - remaining, this request included)."""
    headers = {"Content-Type": "application/json", "X-User-ID": user}
    response = client.request(port, "POST", PATH, chat.body("Say hello"), headers)
    remaining = response.header("x-ratelimit-remaining-requests")
    count = LIMIT - int(remaining) if remaining and remaining.isdigit() else None
    return response.status, count


def bursts(label, port, args):
    """`args.burst_runs` bursts, each of a new user at least 20 s before the window ends;
    after each, one more request reads where the limiter thinks the user stands."""
    runs = []
    for run in range(args.burst_runs):
        left = seconds_left_in_window()
        if left < args.window_margin:
            say(f"  ({left:.0f} s left in this minute: waiting for the next one)")
        limits.at_start_of_window(args.window_margin)
        user = f"bench-burst-{uuid.uuid4().hex[:12]}"
        statuses, wall = burst(port, user, args.burst, args.pool)
        counts = collections.Counter(statuses)
        admitted = counts.get(200, 0)
        refused = counts.get(429, 0)
        other = {code: n for code, n in counts.items() if code not in (200, 429)}
        after_status, after_count = counter_after(port, user)
        runs.append({"admitted": admitted, "refused": refused, "other": other, "wall": wall,
                     "after_status": after_status, "after_count": after_count})
        extra = f", other: {other}" if other else ""
        say(f"{label} run {run + 1}: {args.burst} concurrent requests of {user} in "
            f"{wall:.2f} s: {admitted} admitted (200), {refused} refused (429){extra}; "
            f"excess over {LIMIT}: {admitted - LIMIT:+d}")
        if after_status == 200:
            say(f"  one more request afterwards: 200, and its x-ratelimit-remaining-requests "
                f"puts the user's count at {after_count} (this request included) after "
                f"{admitted + 1} admitted")
        else:
            say(f"  one more request afterwards: {after_status} (the limit holds)")
    return runs


# -------------------------------------------------------------------------------- output


def kib(n):
    return f"{n:,} B ({n / 1024:.1f} KiB)"


def ratio(gateway, direct):
    return gateway / direct if direct else float("nan")


def table(info, sizes, direct, through, stream, kv_runs, do_runs, args):
    """The Markdown table of every figure (and its one-line caption)."""
    client_note = (f"client: Python {info['python']} http.client, {args.concurrency} "
                   f"threads with one keep-alive connection each, on the same machine")
    caption = (f"Measured {info['date']} (commit: {info['commit']}) on {info['nproc']} × "
               f"{info['cpu']} ({info['memory']}); wrangler {info['wrangler']} (local workerd), "
               f"worker-build {info['worker-build']}; {client_note}. "
               f"Upstream: {args.upstream_note}. Produced by `scripts/bench.sh`.")

    def throughput_note(figures):
        return "" if figures["all_200"] else f" (NOT all 200: {figures['statuses']})"

    def latency_row(which):
        d, g = direct[which], through[which]
        return (f"| ... latency {which} | {d:.2f} ms | {g:.2f} ms | "
                f"{ratio(g, d):.2f}× ({g - d:+.2f} ms) |")

    def counters(runs):
        return ", ".join(str(r["after_count"]) if r["after_status"] == 200
                         else f"refused ({r['after_status']})" for r in runs)

    def admitted(runs):
        return ", ".join(str(r["admitted"]) for r in runs)

    def excess(runs):
        values = [r["admitted"] - LIMIT for r in runs]
        others = [r["other"] for r in runs if r["other"]]
        note = f"; other answers: {others}" if others else ""
        return (", ".join(f"{v:+d}" for v in values) + f" (max {max(values):+d})" + note
                if values else "")

    rows = [
        ("| Figure | Direct to the stand-in | Through the gateway | Gateway vs direct |"),
        ("|---|---|---|---|"),
        (f"| Release wasm (build/index_bg.wasm), raw | | {kib(sizes['wasm'])} | |"),
        (f"| Release wasm, gzip -9 | | {kib(sizes['wasm_gz'])} | |"),
        (f"| JS shim (build/index.js), raw / gzip -9 | | {kib(sizes['shim'])} / "
         f"{kib(sizes['shim_gz'])} | |"),
        (f"| Non-streamed chat completions, {args.concurrency} keep-alive connections, "
         f"{args.requests} requests: throughput | {direct['rps']:.0f} req/s"
         f"{throughput_note(direct)} | {through['rps']:.0f} req/s{throughput_note(through)} "
         f"| {ratio(through['rps'], direct['rps']):.2f}× |"),
        latency_row("p50"),
        latency_row("p99"),
        (f"| ... CPU per request (client / stand-in / gateway processes) | "
         f"{direct['cpu']['client'] / args.requests * 1e3:.2f} / "
         f"{direct['cpu']['stand-in'] / args.requests * 1e3:.2f} / "
         f"{direct['cpu']['gateway'] / args.requests * 1e3:.2f} ms | "
         f"{through['cpu']['client'] / args.requests * 1e3:.2f} / "
         f"{through['cpu']['stand-in'] / args.requests * 1e3:.2f} / "
         f"{through['cpu']['gateway'] / args.requests * 1e3:.2f} ms | |"),
        (f"| Streamed completion, time to first SSE event (median of "
         f"{stream['runs']}) | {stream['direct']['first']:.1f} ms | "
         f"{stream['gateway']['first']:.1f} ms | "
         f"{stream['gateway']['first'] - stream['direct']['first']:+.1f} ms |"),
        (f"| Streamed completion, whole stream ({reference.CHUNK_DELAY * 1000:.0f} ms between "
         f"events; median of {stream['runs']}) | {stream['direct']['total']:.1f} ms | "
         f"{stream['gateway']['total']:.1f} ms | "
         f"{stream['gateway']['total'] - stream['direct']['total']:+.1f} ms |"),
        (f"| KV limiter (gateway.toml, {LIMIT}/60 s): admitted of {args.burst} concurrent "
         f"requests of one user, {len(kv_runs)} runs | | {admitted(kv_runs)} | "
         f"overshoot {excess(kv_runs)} |"),
        (f"| KV limiter: the user's count after the burst, as the next request's "
         f"x-ratelimit-remaining-requests says (that request included) | | "
         f"{counters(kv_runs)} | true count "
         f"{', '.join(str(r['admitted'] + 1) for r in kv_runs)} |"),
        (f"| Durable Object limiter ({STRICT_CONFIG}, {LIMIT}/60 s): admitted of "
         f"{args.burst} concurrent requests of one user, {len(do_runs)} runs | | "
         f"{admitted(do_runs)} | overshoot {excess(do_runs)} |"),
    ]
    return caption, "\n".join(rows)


# ---------------------------------------------------------------------------------- main


def subdir(parent, name):
    """A new directory for one gateway's log and state (as pytest's mktemp gives the suite)."""
    path = parent / name
    path.mkdir()
    return path


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000,
                        help="non-streamed requests per target (default 2000)")
    parser.add_argument("--concurrency", type=int, default=8,
                        help="client threads, one keep-alive connection each (default 8)")
    parser.add_argument("--warmup", type=int, default=200,
                        help="unmeasured requests per target first (default 200)")
    parser.add_argument("--stream-runs", type=int, default=20,
                        help="streamed completions per target (default 20)")
    parser.add_argument("--burst", type=int, default=200,
                        help="concurrent requests of one user per burst (default 200)")
    parser.add_argument("--pool", type=int, default=100,
                        help="client threads of a burst (default 100)")
    parser.add_argument("--burst-runs", type=int, default=3,
                        help="bursts per limiter backend, each a new user (default 3)")
    parser.add_argument("--window-margin", type=float, default=20,
                        help="a burst waits for the next minute if fewer seconds are left")
    parser.add_argument("--keep-logs", action="store_true",
                        help="keep the servers' logs and state (a temporary directory)")
    return parser.parse_args()


def main():
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that `finally` ends servers
    began = time.monotonic()
    args.upstream_note = "tests/upstream/stand_in.py (TCP_NODELAY, listen backlog 128)"
    env = processes.script_env()
    info = machine(env)
    args.nproc = info["nproc"]

    say("organized-gateway benchmark")
    say(f"date:     {info['date']}")
    say(f"commit:   {info['commit']}")
    say(f"machine:  {info['nproc']} CPUs (nproc), {info['cpu']}, {info['memory']}, "
        f"Linux {info['kernel']}")
    say(f"versions: wrangler {info['wrangler']}, worker-build {info['worker-build']}, "
        f"wasm-bindgen {info['wasm-bindgen']}, rustc {info['rustc']}, node {info['node']}, "
        f"python {info['python']}")
    say(f"client:   this Python program (http.client, threads), on the same {info['nproc']}-core "
        f"machine as the stand-in and workerd: all three share the cores, so the figures "
        f"are relative, not what a production edge does.")
    say(f"upstream: {args.upstream_note}")
    say(f"load:     {load_average()} (1/5/15 min averages before the run; the figures are "
        f"only as quiet as the machine)")

    section("1. Release build size (as scripts/bench.sh built it, from gateway.toml)")
    if not WASM.is_file() or not SHIM.is_file():
        sys.exit(f"no release build in {WASM.parent}: run scripts/bench.sh, which builds it")
    wasm, shim = WASM.read_bytes(), SHIM.read_bytes()
    # The Worker embeds its config verbatim (include_str!): make sure this is the default one.
    if (ROOT / DEFAULT_CONFIG).read_bytes() not in wasm:
        sys.exit(f"{WASM} does not embed {DEFAULT_CONFIG} (a build of another config?): run "
                 f"scripts/bench.sh, which builds it first")
    sizes = {"wasm": len(wasm), "wasm_gz": len(gzip.compress(wasm, 9)),
             "shim": len(shim), "shim_gz": len(gzip.compress(shim, 9))}
    say(f"build/index_bg.wasm: {kib(sizes['wasm'])} raw, {kib(sizes['wasm_gz'])} gzip -9")
    say(f"build/index.js:      {kib(sizes['shim'])} raw, {kib(sizes['shim_gz'])} gzip -9")

    workdir = Path(tempfile.mkdtemp(prefix="organized-gateway-bench-"))
    upstream = gateway = None
    finished = False
    try:
        upstream = StandIn(workdir / "stand-in.log")
        say()
        say(f"starting the gateway ({DEFAULT_CONFIG}) with wrangler dev ...")
        started = time.monotonic()
        gateway = Gateway(DEFAULT_CONFIG, {"OPENCLAW_URL": upstream.url},
                          subdir(workdir, "kv"))
        say(f"gateway up on 127.0.0.1:{gateway.port} after {time.monotonic() - started:.0f} s;"
            f" stand-in on 127.0.0.1:{upstream.port}")
        groups = {"stand-in": upstream.proc.pid, "gateway": gateway.proc.pid}

        section(f"2. Non-streamed chat completions: {args.requests} requests, "
                f"{args.concurrency} keep-alive connections, after {args.warmup} warm-up "
                f"requests")
        say(f"(gateway: {DEFAULT_CONFIG}, KV limiter {LIMIT}/60 s, a distinct X-User-ID per "
            f"request so that none is refused; the same headers go to the stand-in)")
        tag = uuid.uuid4().hex[:8]

        def headers_for(suffix):
            return {"Content-Type": "application/json", "X-User-ID": f"bench-{tag}-{suffix}"}

        direct = throughput("direct to the stand-in", upstream.port, args, headers_for, groups)
        upstream.clear()  # it keeps every request it received; let it forget them
        through = throughput("through the gateway", gateway.port, args, headers_for, groups)
        upstream.clear()
        say(f"gateway / direct: throughput {ratio(through['rps'], direct['rps']):.2f}×, "
            f"p50 {ratio(through['p50'], direct['p50']):.2f}×, "
            f"p99 {ratio(through['p99'], direct['p99']):.2f}×")
        say(f"(the direct run bounds the client: its p50 of {direct['p50']:.2f} ms is client + "
            f"loopback + stand-in together; the client itself used "
            f"{direct['cpu']['client'] / args.requests * 1e3:.2f} ms CPU per request there)")

        section(f"3. Streamed chat completions ({args.stream_runs} runs each way, alternating,"
                f" after one unmeasured run each)")
        stream = streaming(upstream.port, gateway.port, args.stream_runs)
        upstream.clear()

        section(f"4. Limiter under a burst: {args.burst} concurrent requests of one new user "
                f"({args.pool} client threads, fresh connections) against {LIMIT}/60 s")
        kv_runs = bursts(f"KV ({DEFAULT_CONFIG})", gateway.port, args)
        upstream.clear()
        gateway.stop()
        gateway = None
        say()
        say(f"starting the gateway ({STRICT_CONFIG}: a second build) with wrangler dev ...")
        started = time.monotonic()
        gateway = Gateway(STRICT_CONFIG, {"OPENCLAW_URL": upstream.url},
                          subdir(workdir, "strict"))
        say(f"gateway up on 127.0.0.1:{gateway.port} after {time.monotonic() - started:.0f} s")
        do_runs = bursts(f"Durable Object ({STRICT_CONFIG})", gateway.port, args)
        gateway.stop()
        gateway = None

        section("Summary (Markdown; also written to bench/last-run.md)")
        caption, rows = table(info, sizes, direct, through, stream, kv_runs, do_runs, args)
        say(caption)
        say()
        say(rows)
        TABLE_FILE.write_text(caption + "\n\n" + rows + "\n")

        notes = []
        for figures in (direct, through):
            if not figures["all_200"]:
                notes.append(f"{figures['name']}: not all answers were 200 "
                             f"({figures['statuses']}); first other: {figures['sample']}")
        notes += [f"streaming: {p}" for p in stream["problems"]]
        notes += [f"KV burst admitted fewer than {LIMIT}: {r}" for r in kv_runs
                  if r["admitted"] < LIMIT]
        notes += [f"Durable Object burst did not admit exactly {LIMIT}: {r}" for r in do_runs
                  if r["admitted"] != LIMIT]
        notes += [f"burst answers other than 200/429: {r['other']}" for r in kv_runs + do_runs
                  if r["other"]]
        say()
        if notes:
            say("Checks: something did not look right:")
            for note in notes:
                say(f"  - {note}")
        else:
            say("Checks: every non-streamed and streamed answer was 200 and complete; the "
                f"Durable Object limiter admitted exactly {LIMIT} each time.")
        say(f"Load averages at the end: {load_average()}.")
        say(f"Benchmark took {time.monotonic() - began:.0f} s.")
        finished = True
    finally:
        if gateway:
            gateway.stop()
        if upstream:
            upstream.stop()
        if finished and not args.keep_logs:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            say(f"(logs and state kept in {workdir})")


if __name__ == "__main__":
    main()
