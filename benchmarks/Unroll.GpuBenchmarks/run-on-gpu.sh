#!/usr/bin/env bash
# Everything the GPU machine runs, in one go: what the machine is, then the gpu benchmark on CUDA (parity of training
# steps against the CPU backend, then throughput). Needs artifacts/gpu-bench from publish.sh. Writes gpu.txt into
# $OUT when it is set (the device tool's output folder), else into the working directory.
set -uo pipefail
cd "$(dirname "$0")/../.."
out="${OUT:-.}/gpu.txt"
{
  echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(git rev-parse --short HEAD 2>/dev/null || echo unknown-commit)"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | sed 's/^/# gpu: /'
  echo "# cpu: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  DOTNET_gcServer=0 artifacts/gpu-bench/Unroll.GpuBenchmarks gpu --device cuda 2>&1
  echo "# exit code $?"
} | tee "$out"
