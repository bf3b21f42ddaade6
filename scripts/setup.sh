#!/usr/bin/env bash
# Installs everything the build and the tests need, from the package registries only, so a
# fresh machine (or CI) gets the same tools. Idempotent: each step checks first and says
# when it skips.
set -euo pipefail
# shellcheck source=SCRIPTDIR/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

WORKER_BUILD_VERSION=0.8.7

say() { printf 'setup: %s\n' "$*"; }

# The version a tool prints, as its last word: `worker-build 0.8.7` or `0.8.7` -> 0.8.7.
version_of() { "$1" --version 2>/dev/null | awk 'NR == 1 { print $NF }'; }

# A file's fingerprint, kept next to what was installed from it.
fingerprint() { sha256sum "$1" | cut -d' ' -f1; }

# The wasm-bindgen CLI must match the wasm-bindgen crate exactly: read it from Cargo.lock.
locked_wasm_bindgen_version() {
  awk -F'"' '$0 == "name = \"wasm-bindgen\"" { found = 1; next }
             found && /^version = / { print $2; exit }' Cargo.lock
}

if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "wasm32-unknown-unknown target already installed (skipped)"
else
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [[ "$(version_of worker-build)" == "$WORKER_BUILD_VERSION" ]]; then
  say "worker-build $WORKER_BUILD_VERSION already installed (skipped)"
else
  say "installing worker-build $WORKER_BUILD_VERSION (a few minutes)"
  cargo install "worker-build@$WORKER_BUILD_VERSION" --locked
fi

bindgen_version="$(locked_wasm_bindgen_version)"
if [[ -z "$bindgen_version" ]]; then
  say "no wasm-bindgen package in Cargo.lock" >&2
  exit 1
fi
if [[ "$(version_of wasm-bindgen)" == "$bindgen_version" ]]; then
  say "wasm-bindgen-cli $bindgen_version already installed (skipped)"
else
  # Not --locked: one of its locked dependency versions is not in the registry we reach.
  say "installing wasm-bindgen-cli $bindgen_version (a few minutes)"
  cargo install "wasm-bindgen-cli@$bindgen_version"
fi

npm_stamp=node_modules/.setup-stamp
if [[ -f "$npm_stamp" && "$(cat "$npm_stamp")" == "$(fingerprint package-lock.json)" ]]; then
  say "node_modules matches package-lock.json (skipped)"
else
  say "installing node_modules (npm ci)"
  npm ci
  fingerprint package-lock.json >"$npm_stamp"
fi

venv_stamp=.venv/.setup-stamp
if [[ -x .venv/bin/python && -f "$venv_stamp" \
      && "$(cat "$venv_stamp")" == "$(fingerprint requirements-test.txt)" ]]; then
  say ".venv matches requirements-test.txt (skipped)"
else
  say "installing the test tools into .venv"
  [[ -x .venv/bin/python ]] || python3 -m venv .venv
  .venv/bin/python -m pip install --quiet -r requirements-test.txt
  fingerprint requirements-test.txt >"$venv_stamp"
fi

# wrangler refuses to start on a Node.js older than it needs: find that out here, not later.
if ! wrangler_version="$(wrangler --version 2>&1)"; then
  say "wrangler does not run: $wrangler_version" >&2
  exit 1
fi
say "ready: node $(node --version), wrangler $wrangler_version"
