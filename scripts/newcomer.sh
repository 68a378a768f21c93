#!/usr/bin/env bash
# The first hour of a newcomer, as CI runs it (issue 8): in a fresh folder with no editor config,
#   breakwater init → check-config → serve (the generated config, a free port) → client list → client call → SIGINT
# Fails on a non-zero exit, a stack trace anywhere, a warning or error log line (the generated config is
# the newcomer's own: it has nothing to warn about), JSON on stdout, or a run over 60 s.
# Needs the build (npm run build; npm test builds). Usage: bash scripts/newcomer.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
main="$root/dist/src/main.js"
work="$(mktemp -d "${TMPDIR:-/tmp}/breakwater-newcomer-XXXXXX")"
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
# A home of its own: no Claude Desktop / Cursor / VS Code config of this machine is imported.
export HOME="$work/home"
mkdir -p "$HOME"
started=$(date +%s)
bw() { node "$main" "$@"; }
fail() {
  echo "newcomer: FAIL: $*" >&2
  for f in "$work"/*.out "$work"/*.err; do [ -s "$f" ] && { echo "--- $(basename "$f")" >&2; cat "$f" >&2; }; done
  exit 1
}
# step NAME EXPECTED_EXIT COMMAND...: runs, keeps stdout/stderr in NAME.out/.err, checks the exit code.
step() {
  local name=$1 expected=$2
  shift 2
  local code=0
  "$@" >"$work/$name.out" 2>"$work/$name.err" || code=$?
  [ "$code" = "$expected" ] || fail "$name exited $code, expected $expected"
  echo "newcomer: $name: exit $code"
}

step init 0 bw init
grep -q '^wrote breakwater.yaml' init.out || fail "init did not say what it wrote"
grep -q 'check-config breakwater.yaml' init.out || fail "init did not print the next command"
step init-again 1 bw init
grep -q 'already exists: pass --force' init-again.err || fail "init overwrote or did not explain"
step check-config 0 bw check-config breakwater.yaml
grep -q '^breakwater.yaml: OK (3 upstreams' check-config.out || fail "check-config did not report OK"

port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
node "$main" serve --config breakwater.yaml --port "$port" --wait-ready=40000 >"$work/serve.out" 2>"$work/serve.err" &
pid=$!
for _ in $(seq 1 450); do
  grep -q '^breakwater: 3 of 3 upstreams ready' serve.out 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || fail "serve exited before it was ready"
  sleep 0.1
done
grep -q "^breakwater listening on http://127.0.0.1:$port/mcp\$" serve.out || fail "serve never said it was listening"
grep -q '^breakwater: 3 of 3 upstreams ready' serve.out || fail "not every upstream became ready"
url="http://127.0.0.1:$port/mcp"

step client-list 0 bw client list --url "$url"
grep -q '^  everything__echo' client-list.out || fail "client list did not show everything__echo"
step client-call 0 bw client call --url "$url" --tool everything__echo --args '{"message":"hello"}'
[ "$(cat client-call.out)" = "Echo: hello" ] || fail "client call printed $(cat client-call.out)"
step client-typo 1 bw client call --url "$url" --tool echo --args '{"message":"hello"}'
grep -q 'did you mean everything__echo' client-typo.err || fail "no did-you-mean for a tool typo"

kill -INT "$pid"
code=0
wait "$pid" || code=$?
pid=""
[ "$code" = 0 ] || fail "serve exited $code after SIGINT"
echo "newcomer: serve: exit 0 after SIGINT"

# Every line readable: no stack trace anywhere, no JSON on stdout, no warning or error in any log.
if grep -nE '^\s+at .+:[0-9]+|node:internal|Error: .*\n\s+at ' "$work"/*.out "$work"/*.err; then fail "a stack trace"; fi
if grep -n '^{' "$work"/*.out; then fail "JSON on stdout"; fi
if grep -nE '"level":"(warn|error|fatal)"|: warning: |^(WARN|ERROR)' "$work"/*.err; then fail "a warning or error about something other than the newcomer's config"; fi
elapsed=$(($(date +%s) - started))
[ "$elapsed" -le 60 ] || fail "took ${elapsed} s (limit 60 s)"
echo "newcomer: OK in ${elapsed} s"
