# The two commands: `make run` (the service on its embedded default) and `make test` (every test).
.PHONY: run test build bench release fuzz

run:
	@scripts/ensure-system-packages.sh
	swift build --product frontdesk
	.build/debug/frontdesk serve

test:
	@scripts/ensure-system-packages.sh
	swift build --build-tests
	swift test --skip-build
	.build/debug/frontdesk simulate --quiet Scenarios/*.yaml
	.build/debug/frontdesk simulate --llm --quiet Scenarios/*.yaml
	.build/debug/frontdesk simulate --provider twilio --quiet Scenarios/*.yaml
	.build/debug/frontdesk simulate --provider retell --quiet Scenarios/*.yaml
	.build/debug/frontdesk simulate --audio --quiet Scenarios/01-booking-happy-path.yaml Scenarios/09-dtmf-zero.yaml Scenarios/20-barge-in.yaml
	.build/debug/frontdesk simulate --audio --provider twilio --quiet Scenarios/07-ask-for-a-person.yaml Scenarios/20-barge-in.yaml
	.build/debug/frontdesk simulate --audio --llm --audio-codec opus --quiet Scenarios/20-barge-in.yaml

build:
	@scripts/ensure-system-packages.sh
	swift build --build-tests

# Release build in its own folder, so a debug build can run beside it.
release:
	@scripts/ensure-system-packages.sh wrk
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

# Fuzz every endpoint from the OpenAPI document (schemathesis from PyPI); no server errors allowed.
fuzz:
	@scripts/ensure-system-packages.sh
	scripts/fuzz-api.sh
