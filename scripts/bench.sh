#!/usr/bin/env bash
# Benchmarks the gateway in local workerd: size of the release build, throughput and
# latency with and without the gateway, streaming latency, and how many requests of a
# burst each limiter backend admits. It prints figures (no pass/fail on speed) and ends
# with a Markdown table, also written to bench/last-run.md. See bench/bench.py.
#
#   scripts/bench.sh                        # a few minutes on 2 cores
#   scripts/bench.sh --requests 500         # extra arguments go to bench/bench.py
#
# It starts its own stand-in upstream and `wrangler dev` on free ports (each in its own
# process group, ended when it finishes) and leaves build/ with the last config it built
# (examples/strict-quota.toml).
set -euo pipefail
# shellcheck source=SCRIPTDIR/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

say() { printf 'bench: %s\n' "$*"; }

scripts/setup.sh

# The size figures are of this build: the default config, as a release build.
say "building the release Worker from gateway.toml (worker-build --release)"
GATEWAY_CONFIG=gateway.toml worker-build --release

say "running bench/bench.py"
.venv/bin/python bench/bench.py "$@"
say "done in ${SECONDS} s"
