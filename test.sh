#!/usr/bin/env bash
# Runs every test that can run on this machine: the xunit suite (engine, client, broker,
# end-to-end over Kestrel incl. stream access and limits, browser, PyJWT interop) and the npm
# conformance suite (official @azure/service-bus SDK against LocalServiceBus).
set -euo pipefail
cd "$(dirname "$0")"
conformance=SseFunctions.LocalServiceBus/conformance
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "== installing Debian chromium for the browser test"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

if ! /usr/bin/python3 -c "import jwt" 2>/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "== installing Debian python3-jwt (PyJWT) for the stream token interop test"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-jwt >/dev/null
fi

echo "== npm ci (conformance suite and interop tests)"
npm ci --prefix "$conformance" --no-audit --no-fund --loglevel=error

echo "== dotnet build"
dotnet build SseFunctions.Tests -c Release -nologo -v q

echo "== xunit"
dotnet test SseFunctions.Tests -c Release --no-build -nologo --logger "trx;LogFileName=xunit.trx" --results-directory "$results"

echo "== conformance (@azure/service-bus against LocalServiceBus)"
npm test --prefix "$conformance" | tee "$results/conformance.tap"

xunit_passed=$(grep -o 'passed="[0-9]*"' "$results/xunit.trx" | head -1 | tr -dc 0-9)
xunit_failed=$(grep -o 'failed="[0-9]*"' "$results/xunit.trx" | head -1 | tr -dc 0-9)
npm_passed=$(grep -E '^# pass ' "$results/conformance.tap" | tr -dc 0-9)
npm_failed=$(grep -E '^# fail ' "$results/conformance.tap" | tr -dc 0-9)
echo "== xunit: $xunit_passed passed, $xunit_failed failed; conformance: $npm_passed passed, $npm_failed failed"
echo "tests: $((xunit_passed + npm_passed)) passed, $((xunit_failed + npm_failed)) failed"
