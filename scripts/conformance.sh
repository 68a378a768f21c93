#!/usr/bin/env bash
# Runs the MCP conformance suites against the fixture server, directly or behind Breakwater.
#
#   bash scripts/conformance.sh direct    # fixture HTTP server alone
#   bash scripts/conformance.sh gateway   # Breakwater (dist/, built) in front of the fixture: HTTP and stdio upstream
#   bash scripts/conformance.sh all       # both (the default)
#
# Suites per target: stable-all (0.1.16 --suite all), alpha-2025-11-25 and alpha-2026-07-28 (0.2.0-alpha
# --requirements). Each run is judged against conformance/expected-failures/<mode>-<suite>.yml; the script exits
# non-zero on any unexpected failure or stale baseline entry. Results land in .conformance/results/.
# Env: CONFORMANCE_SUITES (subset, space-separated), CONFORMANCE_RUN_TIMEOUT (seconds per suite run, default 900).
set -euo pipefail
cd "$(dirname "$0")/.."

MODE="${1:-all}"
SUITES="${CONFORMANCE_SUITES:-stable-all alpha-2025-11-25 alpha-2026-07-28}"
RUN_TIMEOUT="${CONFORMANCE_RUN_TIMEOUT:-900}"
READY_TIMEOUT=30
ALPHA_VERSION=0.2.0-alpha.12
ALPHA_DIR=.conformance/alpha
RESULTS=.conformance/results
BASELINES=conformance/expected-failures
HOOK=./scripts/node20-fs-glob-hook.mjs # conformance imports fs.globSync (Node >= 22); the hook shims it on Node 20
STABLE_CLI=node_modules/@modelcontextprotocol/conformance/dist/index.js
ALPHA_CLI=$ALPHA_DIR/node_modules/@modelcontextprotocol/conformance/dist/index.js
FIXTURE_HTTP=test/fixtures/conformance-server/http.ts
FIXTURE_STDIO=test/fixtures/conformance-server/stdio.ts
# The dual-era fixture: one process answers both eras, and the 2025 scenarios' sampling/elicitation tools use
# the 2025 push API (legacy path only), so a gateway that serves legacy callers over the modern era fails them.
FIXTURE_FLAGS=--push-input
GATEWAY_MAIN=dist/src/main.js

case "$MODE" in direct | gateway | all) ;; *) echo "usage: $0 [direct|gateway|all]" >&2 && exit 2 ;; esac

# Servers run in their own process group (setsid) so a stop also reaches their children (stdio upstreams).
SERVER_PIDS=()
stop_servers() {
  local pid
  for pid in "${SERVER_PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for pid in "${SERVER_PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  SERVER_PIDS=()
}
trap stop_servers EXIT
trap 'exit 130' INT TERM

# start_server <log> <url-regex> <cmd...>: starts cmd, waits for the regex (one capture group: the URL) on its
# stdout, and sets SERVER_URL.
start_server() {
  local log=$1 regex=$2
  shift 2
  setsid "$@" >"$log" 2>"$log.stderr" </dev/null &
  SERVER_PIDS+=($!)
  for _ in $(seq $((READY_TIMEOUT * 10))); do
    SERVER_URL=$(sed -nE "s#^${regex}\$#\\1#p" "$log" | head -n1)
    [[ -n "$SERVER_URL" ]] && return 0
    kill -0 "$!" 2>/dev/null || break
    sleep 0.1
  done
  echo "server did not become ready: $*" >&2
  cat "$log" "$log.stderr" >&2
  return 1
}

ensure_clis() {
  [[ -f "$STABLE_CLI" ]] || { echo "missing $STABLE_CLI: run npm ci" >&2 && exit 1; }
  local have
  have=$(node -p "require('./$ALPHA_DIR/node_modules/@modelcontextprotocol/conformance/package.json').version" 2>/dev/null || true)
  if [[ "$have" != "$ALPHA_VERSION" ]]; then
    # Kept out of the project's node_modules: the alpha pins a different SDK and is a prerelease.
    echo "installing @modelcontextprotocol/conformance@$ALPHA_VERSION into $ALPHA_DIR" >&2
    mkdir -p "$ALPHA_DIR"
    npm install --prefix "$ALPHA_DIR" --save-exact --no-audit --no-fund --loglevel=error "@modelcontextprotocol/conformance@$ALPHA_VERSION" >&2
  fi
}

# run_suite <mode> <suite> <url>: one conformance run, judged by scripts/conformance-report.mjs.
FAILED=0
run_suite() {
  local mode=$1 suite=$2 url=$3 cli args
  case "$suite" in
    stable-all) cli=$STABLE_CLI args=(--suite all) ;;
    alpha-2025-11-25) cli=$ALPHA_CLI args=(--requirements 2025-11-25) ;;
    alpha-2026-07-28) cli=$ALPHA_CLI args=(--requirements 2026-07-28) ;;
    *) echo "unknown suite $suite" >&2 && return 1 ;;
  esac
  local out=$RESULTS/$mode-$suite baseline=$BASELINES/$mode-$suite.yml rc=0
  [[ -f "$baseline" ]] || { echo "missing baseline $baseline" >&2 && FAILED=1 && return 0; }
  rm -rf "$out" && mkdir -p "$out"
  timeout --kill-after=10 "$RUN_TIMEOUT" node --import "$HOOK" "$cli" server --url "$url" "${args[@]}" \
    --expected-failures "$baseline" -o "$out" >"$out.log" 2>&1 || rc=$?
  node scripts/conformance-report.mjs "$mode $suite" "$out" "$out.log" "$baseline" "$rc" || FAILED=1
}

run_direct() {
  start_server "$RESULTS/direct-fixture.log" 'listening (http://127\.0\.0\.1:[0-9]+/mcp)' \
    node --import tsx "$FIXTURE_HTTP" --port 0 $FIXTURE_FLAGS
  local url=$SERVER_URL suite
  for suite in $SUITES; do run_suite direct "$suite" "$url"; done
  stop_servers
}

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

# run_gateway <mode> <upstream-yaml> <poll-after-ms>: Breakwater with the given upstream block, then every suite
# through it. Legacy callers get primed SSE streams (sse: always) closed mid-call after <poll-after-ms> (SSE
# polling), so server-sse-polling sees a real close and resume: test_reconnection answers ~500 ms after the call
# (stdio) or ~650 ms (HTTP: the fixture's own 500 ms retry hint comes first), and the suite's probe makes one GET,
# so the close must come before the answer and the resumed GET must outlive it.
run_gateway() {
  local mode=$1 upstream=$2 poll=$3 config=$RESULTS/$1.yaml suite
  printf 'server:\n  port: %s\n  streams:\n    sse: always\n    pollAfterMs: %s\n    retryMs: 100\nupstreams:\n  fixture:\n%s\n' \
    "$(free_port)" "$poll" "$upstream" >"$config"
  start_server "$RESULTS/$mode-gateway.log" 'breakwater listening on (http://[^ ]+)' node "$GATEWAY_MAIN" serve --config "$config"
  local url=$SERVER_URL
  for suite in $SUITES; do run_suite "$mode" "$suite" "$url"; done
  stop_servers
}

run_gateway_modes() {
  [[ -f "$GATEWAY_MAIN" ]] || { echo "missing $GATEWAY_MAIN: run npm run build first" >&2 && exit 1; }
  # The fixture started here lives until run_gateway's stop_servers after the HTTP-upstream suites.
  start_server "$RESULTS/gateway-http-fixture.log" 'listening (http://127\.0\.0\.1:[0-9]+/mcp)' \
    node --import tsx "$FIXTURE_HTTP" --port 0 $FIXTURE_FLAGS
  run_gateway gateway-http "    url: $SERVER_URL
    era: dual
    prefix: \"\"" 450
  run_gateway gateway-stdio "    command: node
    args: [--import, tsx, $FIXTURE_STDIO, $FIXTURE_FLAGS]
    connectTimeoutMs: 60000
    era: dual
    prefix: \"\"" 330
}

mkdir -p "$RESULTS"
ensure_clis
[[ "$MODE" == gateway ]] || run_direct
[[ "$MODE" == direct ]] || run_gateway_modes
exit "$FAILED"
