#!/usr/bin/env bash
# Fuzzes the whole API from its own OpenAPI document with schemathesis (PyPI), against a fresh server
# on loopback. Fails on any server error, undocumented status or response that breaks the schema.
# Usage: scripts/fuzz-api.sh [extra schemathesis options]
set -euo pipefail
cd "$(dirname "$0")/.."
# schemathesis in its own virtual environment under .build/ (kept out of git, reused between runs).
venv=.build/schemathesis-venv
command -v curl >/dev/null || scripts/ensure-system-packages.sh curl
if [ ! -x "$venv/bin/schemathesis" ]; then
  command -v python3 >/dev/null || scripts/ensure-system-packages.sh python3 python3-venv
  python3 -m venv "$venv" 2>/dev/null || { scripts/ensure-system-packages.sh python3-venv && python3 -m venv "$venv"; }
  "$venv/bin/pip" install -q 'schemathesis>=4,<5'
fi
swift build --product frontdesk
work=$(mktemp -d)
port=38520
# Unsigned webhooks are let in (FRONTDESK_INSECURE_WEBHOOKS) so their bodies are fuzzed, not only refused.
FRONTDESK_PORT=$port FRONTDESK_DATABASE="$work/fuzz.sqlite" FRONTDESK_BCRYPT_COST=4 FRONTDESK_INSECURE_WEBHOOKS=1 \
  FRONTDESK_RATE_LIMIT_AUTHENTICATED=100000000 FRONTDESK_RATE_LIMIT_ANONYMOUS=100000000 \
  .build/debug/frontdesk serve --log-level error &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/api/health" >/dev/null && break; sleep 0.1; done
login() {
  curl -s -X POST "http://127.0.0.1:$port/api/auth/login" -H 'Content-Type: application/json' \
    -d '{"email":"demo@frontdesk.local","password":"frontdesk-demo"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["token"])'
}
checks=not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance
# Logout ends the login whose token the run uses: everything else first, then logout on its own login.
"$venv/bin/schemathesis" run "http://127.0.0.1:$port/api/openapi.json" --url "http://127.0.0.1:$port" \
  -H "Authorization: Bearer $(login)" --checks "$checks" --exclude-path /api/auth/logout \
  --max-examples 30 --workers 2 "$@"
"$venv/bin/schemathesis" run "http://127.0.0.1:$port/api/openapi.json" --url "http://127.0.0.1:$port" \
  -H "Authorization: Bearer $(login)" --checks "$checks" --include-path /api/auth/logout \
  --max-examples 30 --workers 2 "$@"
