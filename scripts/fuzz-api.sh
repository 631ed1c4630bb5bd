#!/usr/bin/env bash
# Fuzzes the whole API from its own OpenAPI document with schemathesis (PyPI), against a fresh server
# on loopback. Fails on any server error, undocumented status or response that breaks the schema.
# Usage: scripts/fuzz-api.sh [extra schemathesis options]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v schemathesis >/dev/null || python3 -m pip install -q schemathesis
swift build --product frontdesk
work=$(mktemp -d)
port=38520
FRONTDESK_PORT=$port FRONTDESK_DATABASE="$work/fuzz.sqlite" FRONTDESK_BCRYPT_COST=4 \
  FRONTDESK_RATE_LIMIT_AUTHENTICATED=100000000 FRONTDESK_RATE_LIMIT_ANONYMOUS=100000000 \
  .build/debug/frontdesk serve --log-level error &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/api/health" >/dev/null && break; sleep 0.1; done
token=$(curl -s -X POST "http://127.0.0.1:$port/api/auth/login" -H 'Content-Type: application/json' \
  -d '{"email":"demo@frontdesk.local","password":"frontdesk-demo"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["token"])')
schemathesis run "http://127.0.0.1:$port/api/openapi.json" --url "http://127.0.0.1:$port" \
  -H "Authorization: Bearer $token" --checks not_a_server_error,status_code_conformance,response_schema_conformance \
  --max-examples 30 --workers 2 "$@"
