#!/usr/bin/env python3
"""Checks the house's rooms (docs/architecture.md): the targets depend on each other one way only.

Reads `swift package dump-package` and every `import` line under Sources/ and Tests/, and fails when
  * a target depends on (or imports) a target of its own layer or one above it;
  * a file imports a module its target does not declare in Package.swift;
  * a layer below the server imports HTTP-server or network modules it must not touch;
  * a handler outside the server's composition takes the whole service container (`AppServices`).
Usage: scripts/check-layers.py  (exit status 1 with one line per violation)
"""
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Lower numbers are lower layers; a target may only use targets of a lower number.
LAYERS = {
    "FrontdeskWire": 0, "FrontdeskCore": 0, "FrontdeskAudio": 0, "COpusBaseline": 0, "FrontdeskTestSupport": 0,
    "FrontdeskStore": 1,
    "FrontdeskCalls": 2,
    "FrontdeskMedia": 3,
    "FrontdeskProviders": 4,
    "FrontdeskServer": 5,
    "FrontdeskSimulator": 6,
    "FrontdeskBenchmarks": 7, "FrontdeskFuzz": 7,
    "frontdesk": 8,
}
# Modules that come with the toolchain or the OS: never declared.
SYSTEM = {"Foundation", "FoundationNetworking", "FoundationEssentials", "Glibc", "Musl", "Darwin", "Dispatch",
          "Synchronization", "Testing", "XCTest", "_Concurrency", "os"}
# What each layer below the server may not import: no HTTP server below the server, and no channels,
# event loops or network clients below media.
SERVER_ONLY = {"Hummingbird", "HummingbirdCore", "HummingbirdBcrypt", "HummingbirdTesting", "JWTKit"}
NETWORK = {"NIOCore", "NIOPosix", "NIOHTTP1", "NIOWebSocket", "NIOEmbedded", "AsyncHTTPClient", "HTTPTypes",
           "HummingbirdWebSocket", "HummingbirdWSClient"}
FORBIDDEN = {
    "FrontdeskWire": SERVER_ONLY | NETWORK, "FrontdeskCore": SERVER_ONLY | NETWORK,
    "FrontdeskStore": SERVER_ONLY | NETWORK, "FrontdeskCalls": SERVER_ONLY | NETWORK,
    "FrontdeskMedia": SERVER_ONLY | {"AsyncHTTPClient", "HummingbirdWSClient"},
    "FrontdeskProviders": SERVER_ONLY,
}
# Test harnesses (a local PostgreSQL server) are for tests, the simulator and the benchmarks only.
TEST_SUPPORT = "FrontdeskTestSupport"
MAY_USE_TEST_SUPPORT = {"FrontdeskSimulator", "FrontdeskBenchmarks", "frontdesk"}
# The service container may be named only where the application is composed.
CONTAINER = "AppServices"
CONTAINER_HOME = os.path.join("Sources", "FrontdeskServer", "Application")

IMPORT = re.compile(r"^\s*(?:@testable\s+|@_spi\([^)]*\)\s+)?import\s+(?:(?:struct|class|enum|func|protocol)\s+)?(\w+)", re.M)


def package_targets():
    dump = subprocess.run(["swift", "package", "dump-package"], cwd=ROOT, capture_output=True, text=True, check=True)
    targets = {}
    for target in json.loads(dump.stdout)["targets"]:
        declared = set()
        for dependency in target["dependencies"]:
            kind, value = next(iter(dependency.items()))
            declared.add(value[0])
        path = target.get("path") or os.path.join("Tests" if target["type"] == "test" else "Sources", target["name"])
        targets[target["name"]] = {"type": target["type"], "declared": declared, "path": path}
    return targets


def swift_files(folder):
    for directory, _, files in os.walk(os.path.join(ROOT, folder)):
        for name in sorted(files):
            if name.endswith(".swift"):
                yield os.path.join(directory, name)


def main():
    targets = package_targets()
    problems = []
    ours = {name for name, target in targets.items() if target["type"] != "system"}
    for name, target in sorted(targets.items()):
        if target["type"] == "system":
            continue
        layer = LAYERS.get(name)
        if layer is None and target["type"] != "test":
            problems.append(f"{name}: not placed in a layer (add it to LAYERS in scripts/check-layers.py)")
            continue
        if layer is not None:
            for dependency in sorted(target["declared"] & ours):
                other = LAYERS.get(dependency)
                if other is not None and other >= layer and dependency != "COpusBaseline":
                    problems.append(f"Package.swift: {name} (layer {layer}) depends on {dependency} (layer {other}): dependencies point down only")
        for path in swift_files(target["path"]):
            relative = os.path.relpath(path, ROOT)
            text = open(path, encoding="utf-8").read()
            for module in IMPORT.findall(text):
                if module in SYSTEM or module == name:
                    continue
                if module not in target["declared"]:
                    problems.append(f"{relative}: imports {module}, which {name} does not declare in Package.swift")
                if layer is not None and module in LAYERS and LAYERS[module] >= layer:
                    problems.append(f"{relative}: imports {module} (layer {LAYERS[module]}) from {name} (layer {layer}): imports point down only")
                if module == TEST_SUPPORT and target["type"] != "test" and name not in MAY_USE_TEST_SUPPORT:
                    problems.append(f"{relative}: {name} is product code and may not import {TEST_SUPPORT}")
                if module in FORBIDDEN.get(name, ()):
                    problems.append(f"{relative}: {name} may not import {module} (see docs/architecture.md, 'Targets')")
            if target["type"] != "test" and not relative.startswith(CONTAINER_HOME) and re.search(rf"\b{CONTAINER}\b", text):
                problems.append(f"{relative}: names {CONTAINER}; a handler takes the dependencies it uses, not the whole container")
    for problem in problems:
        print(problem)
    if problems:
        print(f"check-layers: {len(problems)} violation(s)", file=sys.stderr)
        return 1
    print(f"check-layers: {sum(1 for t in targets.values() if t['type'] != 'system')} targets, dependencies point down, every import declared")
    return 0


if __name__ == "__main__":
    sys.exit(main())
