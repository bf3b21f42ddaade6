#!/usr/bin/env bash
# Runs the gateway locally in one command: installs what is missing, applies the D1
# migrations to the local database, starts the stand-in upstream on 127.0.0.1:8788 and
# serves the Worker on http://127.0.0.1:8787 (wrangler builds it first) until Ctrl-C.
#
#   scripts/dev.sh                                          # embeds gateway.toml
#   GATEWAY_CONFIG=examples/high-concurrency.toml scripts/dev.sh
#
# OPENCLAW_URL=http://your-server:8080 scripts/dev.sh puts a real upstream behind it instead
# of the stand-in. Extra arguments go to `wrangler dev`. State (KV, D1) lives in .wrangler/state, where
# `npx wrangler d1 execute organized-gateway-db --local ...` finds it.
set -euo pipefail
# shellcheck source=SCRIPTDIR/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

GATEWAY_PORT=8787
UPSTREAM_PORT=8788

say() { printf 'dev: %s\n' "$*"; }

# Waits until the stand-in (pid $1) writes "listening on ..." to file $2: it does once bound.
wait_for_stand_in() {
  local pid=$1 said=$2
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || return 1
    if grep -q '^listening on ' "$said"; then return 0; fi
    sleep 0.1
  done
  return 1
}

# build.rs reads GATEWAY_CONFIG relative to the repo root; take it relative to the caller.
config="${GATEWAY_CONFIG:-$ROOT/gateway.toml}"
if [[ ! -f "$config" ]]; then
  say "no such config file: $config" >&2
  exit 1
fi
GATEWAY_CONFIG="$(realpath --relative-to="$ROOT" "$config")"
export GATEWAY_CONFIG
cd "$ROOT"

scripts/setup.sh

say "applying D1 migrations to the local database"
# No terminal on stdin: wrangler then applies without asking (it is the local database).
npx wrangler d1 migrations apply organized-gateway-db --local </dev/null

if [[ -n "${OPENCLAW_URL:-}" ]]; then
  say "upstream: $OPENCLAW_URL (OPENCLAW_URL is set, so no stand-in)"
else
  OPENCLAW_URL="http://127.0.0.1:$UPSTREAM_PORT"
  say "starting the stand-in upstream on 127.0.0.1:$UPSTREAM_PORT"
  stand_in_said="$(mktemp)"
  # Its own session, so that it does not get the terminal's Ctrl-C and we end it as a group.
  setsid python3 tests/upstream/stand_in.py --port "$UPSTREAM_PORT" >"$stand_in_said" &
  stand_in_pid=$!
  trap 'kill -TERM -- "-$stand_in_pid" 2>/dev/null || true; rm -f "$stand_in_said"' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  if ! wait_for_stand_in "$stand_in_pid" "$stand_in_said"; then
    say "the stand-in upstream did not start (is port $UPSTREAM_PORT free?)" >&2
    exit 1
  fi
fi

say "serving $GATEWAY_CONFIG on http://127.0.0.1:$GATEWAY_PORT (Ctrl-C stops)"
npx wrangler dev --ip 127.0.0.1 --port "$GATEWAY_PORT" \
  --var "OPENCLAW_URL:$OPENCLAW_URL" "$@"
