#!/usr/bin/env bash
# Runs every test that can run on this machine: the xunit suite (engine, client, broker,
# end-to-end over Kestrel, browser) and the npm conformance suite (official @azure/service-bus
# SDK against LocalServiceBus).
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "== installing Debian chromium for the browser test"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

conformance=SseFunctions.LocalServiceBus/conformance
if [ -f "$conformance/package.json" ]; then
  echo "== npm ci (conformance suite)"
  npm ci --prefix "$conformance" --no-audit --no-fund --loglevel=error
fi

echo "== dotnet build"
dotnet build SseFunctions.Tests -c Release -nologo -v q

echo "== xunit"
dotnet test SseFunctions.Tests -c Release --no-build -nologo

if [ -f "$conformance/package.json" ]; then
  echo "== conformance (@azure/service-bus against LocalServiceBus)"
  npm test --prefix "$conformance"
else
  echo "== conformance suite not in this tree yet: skipped"
fi
