#!/usr/bin/env bash
# Runs every test that can run on this machine: the xunit suite (engine, broker, end-to-end against both
# hosts: the DevServer and the Functions app run by the real isolated worker under SseFunctions.LocalFunctionsHost;
# stream access and limits, browser, PyJWT interop;
# and the official .NET SDK against LocalServiceBus) and the conformance suites of the official JavaScript
# (@azure/service-bus, npm) and Python (Debian's python3-azure, over AMQPS) SDKs against LocalServiceBus.
set -euo pipefail
cd "$(dirname "$0")"
conformance=SseFunctions.LocalServiceBus/conformance
python_conformance=SseFunctions.LocalServiceBus/conformance-python/test_conformance.py
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "== installing Debian chromium for the browser test"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

# Debian's python3-azure and python3-jwt are for Debian's interpreter (/usr/bin/python3), not a pyenv python3 first
# on PATH.
if ! /usr/bin/python3 -c "import azure.servicebus, uamqp, jwt" 2>/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "== installing Debian python3-azure (Python conformance check) and python3-jwt (stream token interop test)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-azure python3-jwt >/dev/null
fi

echo "== npm ci (conformance suite)"
npm ci --prefix "$conformance" --no-audit --no-fund --loglevel=error

echo "== dotnet build (the Functions app and the local Functions host that runs it, then the tests)"
dotnet build SseFunctions -c Release -nologo -v q
dotnet build SseFunctions.LocalFunctionsHost -c Release -nologo -v q
dotnet build SseFunctions.Tests -c Release -nologo -v q

# Every suite runs even when one fails; the summary counts them all and the exit code says whether any failed.
status=0
echo "== xunit"
dotnet test SseFunctions.Tests -c Release --no-build -nologo --filter "Category!=Measurement" --blame-hang-timeout 5m --blame-hang-dump-type none --logger "trx;LogFileName=xunit.trx" --results-directory "$results" || status=1

echo "== conformance (@azure/service-bus against LocalServiceBus)"
npm test --prefix "$conformance" | tee "$results/conformance.tap" || status=1

echo "== conformance (python3-azure against LocalServiceBus over AMQPS)"
/usr/bin/python3 "$python_conformance" 2>&1 | tee "$results/python.txt" || status=1

count() { grep -o "$1" "$2" 2>/dev/null | head -1 | tr -dc 0-9 || true; }
xunit_passed=$(count 'passed="[0-9]*"' "$results/xunit.trx"); xunit_failed=$(count 'failed="[0-9]*"' "$results/xunit.trx")
npm_passed=$(count '^# pass [0-9]*' "$results/conformance.tap"); npm_failed=$(count '^# fail [0-9]*' "$results/conformance.tap")
python_passed=$(count '^# pass [0-9]*' "$results/python.txt"); python_failed=$(count '^# fail [0-9]*' "$results/python.txt")
passed=$(( ${xunit_passed:-0} + ${npm_passed:-0} + ${python_passed:-0} ))
failed=$(( ${xunit_failed:-0} + ${npm_failed:-0} + ${python_failed:-0} ))
# A suite that died before reporting counts as one failure.
for reported in "$xunit_passed" "$npm_passed" "$python_passed"; do [ -n "$reported" ] || failed=$((failed + 1)); done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "== xunit: ${xunit_passed:-?} passed, ${xunit_failed:-?} failed; npm conformance: ${npm_passed:-?} passed, ${npm_failed:-?} failed; python conformance: ${python_passed:-?} passed, ${python_failed:-?} failed"
echo "tests: $passed passed, $failed failed"
exit "$status"
