# The two commands: `make run` (the service on its embedded default) and `make test` (every test).
.PHONY: run test build bench release fuzz

# A development server: outbound webhooks may reach loopback receivers (the simulator's, your own).
run:
	@scripts/ensure-system-packages.sh
	swift build --product frontdesk
	FRONTDESK_WEBHOOKS_ALLOW_PRIVATE=1 .build/debug/frontdesk serve

# Every test: the Swift tests (unit, HTTP, provider protocols, the real binary killed and restarted; the
# store's on SQLite and on a PostgreSQL the tests start on loopback), the server's tests again on
# PostgreSQL (one at a time: real-time audio beside a database server on two cores), every scenario in every simulator mode, the API fuzzed from its OpenAPI document, and a short run of
# each parser fuzz target (libFuzzer + AddressSanitizer, its own build folder).
test:
	@scripts/ensure-system-packages.sh python3 postgresql nginx-light prometheus chromium chromium-driver
	scripts/check-layers.py
	swift build --build-tests
	swift test --skip-build
	FRONTDESK_TEST_ENGINE=postgres swift test --skip-build --no-parallel --filter FrontdeskServerTests
	scripts/simulate-all.sh
	scripts/fuzz-api.sh
	scripts/fuzz-parsers.sh 30000

build:
	@scripts/ensure-system-packages.sh
	swift build --build-tests

# Release build in its own folder, so a debug build can run beside it.
release:
	@scripts/ensure-system-packages.sh wrk postgresql nginx-light chromium chromium-driver
	swift build -c release --product frontdesk --scratch-path .build-release

bench: release
	.build-release/release/frontdesk bench api
	.build-release/release/frontdesk bench booking
	.build-release/release/frontdesk bench conversation
	.build-release/release/frontdesk bench llm
	.build-release/release/frontdesk bench webhooks
	.build-release/release/frontdesk bench webhooks --intake-only
	.build-release/release/frontdesk bench opus
	.build-release/release/frontdesk bench media --calls 50 --duration 20
	.build-release/release/frontdesk bench media --calls 200 --duration 20
	.build-release/release/frontdesk bench turns
	.build-release/release/frontdesk bench scale-out
	.build-release/release/frontdesk bench events
	.build-release/release/frontdesk bench dashboard
	.build-release/release/frontdesk bench workflows

# Fuzz every endpoint from the OpenAPI document (schemathesis from PyPI), then every parser of outside
# input a million runs each (libFuzzer): no server error, schema mismatch, crash, hang or sanitizer report.
fuzz:
	@scripts/ensure-system-packages.sh
	scripts/fuzz-api.sh --max-examples 200
	scripts/fuzz-parsers.sh 1000000
