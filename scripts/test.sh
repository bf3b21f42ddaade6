#!/usr/bin/env bash
# Runs every test, stopping at the first failing part: the native Rust tests, then the
# end-to-end suite against the compiled Worker in local workerd (tests/e2e; it starts and
# ends its own servers). Extra arguments go to pytest, e.g. `scripts/test.sh -k sse`.
set -euo pipefail
# shellcheck source=SCRIPTDIR/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

scripts/setup.sh

printf 'test: cargo test\n'
cargo test --locked

printf 'test: end-to-end suite\n'
# No cache provider: it would leave a .pytest_cache directory in the work tree.
.venv/bin/python -m pytest -p no:cacheprovider tests/e2e -v "$@"
