#!/usr/bin/env bash
# Runtime settings measured as settings: the benchmark once per setting, every figure the median of --repeat runs,
# each run's JSON in bench-results/settings/<matrix>-<name>.json. Not part of ./test.sh; takes long (see README).
#   bench/settings-matrix.sh gc-1000     GC modes (and TieredPGO off) on `ours` at 1,000 streams
#   bench/settings-matrix.sh gc-10000    four GC modes on `ours` at 10,000 idle streams (a light paced load, no drain)
#   bench/settings-matrix.sh cold-start  JIT and ReadyToRun settings on `ours` and `functions`, cold-start phase only
set -euo pipefail
cd "$(dirname "$0")/.."
matrix=${1:?usage: bench/settings-matrix.sh gc-1000|gc-10000|cold-start [--repeat N]}
shift
repeat=3
if [ "${1:-}" = "--repeat" ]; then repeat=$2; fi
out=bench-results/settings
mkdir -p "$out"
bench=(dotnet run -c Release --project bench/SseFunctions.Benchmarks --)
"${bench[@]}" --help >/dev/null # builds the benchmark once

gc_settings=(
  "server-datas|"
  "server-no-datas|DOTNET_GCDynamicAdaptationMode=0"
  "server-1-heap|DOTNET_GCDynamicAdaptationMode=0 DOTNET_GCHeapCount=1"
  "server-no-affinity|DOTNET_GCNoAffinitize=1"
  "workstation-concurrent|DOTNET_gcServer=0"
  "workstation-non-concurrent|DOTNET_gcServer=0 DOTNET_gcConcurrent=0"
)
# At 1,000 streams also the JIT setting the cold-start matrix favours, to see it under a steady load.
runtime_1000_extra=("server-datas-no-pgo|DOTNET_TieredPGO=0")
# At 10,000 streams (slow) the GC modes that differ most.
gc_10000=("server-datas|" "server-no-datas|DOTNET_GCDynamicAdaptationMode=0" "server-1-heap|DOTNET_GCDynamicAdaptationMode=0 DOTNET_GCHeapCount=1" "workstation-concurrent|DOTNET_gcServer=0")
cold_settings=(
  "build|"
  "build-no-pgo|DOTNET_TieredPGO=0"
  "build-tc-off|DOTNET_TieredCompilation=0"
  "r2r|--ready-to-run"
  "r2r-no-pgo|--ready-to-run DOTNET_TieredPGO=0"
  "r2r-tc-off|--ready-to-run DOTNET_TieredCompilation=0"
)

run() { # name, workload arguments..., then the setting's words
  local name=$1 setting=$2; shift 2
  local args=()
  for word in $setting; do
    if [ "$word" = "--ready-to-run" ]; then args+=(--ready-to-run); else args+=(--service-env "$word"); fi
  done
  echo "== $matrix: $name (${setting:-defaults})"
  "${bench[@]}" "$@" "${args[@]}" --repeat "$repeat" --json "$out/$matrix-$name.json" | tee "$out/$matrix-$name.txt" | grep -E 'memory per idle stream KB|latency publish → event p(50|99)|drain: (delivered|service CPU)|other processes|CPU per token|first tokens: (service|latency p99)|warm: (service|latency p99)|streams failed|peak working' || true
}

case "$matrix" in
  gc-1000)
    for entry in "${gc_settings[@]}" "${runtime_1000_extra[@]}"; do run "${entry%%|*}" "${entry#*|}" --targets ours --streams 1000 --no-cold-start; done ;;
  gc-10000)
    for entry in "${gc_10000[@]}"; do run "${entry%%|*}" "${entry#*|}" --targets ours --streams 10000 --tokens-per-stream 10 --rate 2 --drain-tokens 0 --release-probes 0 --no-cold-start; done ;;
  cold-start)
    for entry in "${cold_settings[@]}"; do run "${entry%%|*}" "${entry#*|}" --targets ours,functions --cold-start-only; done ;;
  *) echo "unknown matrix '$matrix'" >&2; exit 2 ;;
esac
