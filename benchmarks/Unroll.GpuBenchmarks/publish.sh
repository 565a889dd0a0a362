#!/usr/bin/env bash
# Publishes the gpu benchmark self-contained and trimmed (about 32 MiB) into artifacts/gpu-bench, for a GPU machine
# that has CUDA but no .NET SDK. Then, on that machine, from the repository root: bash benchmarks/Unroll.GpuBenchmarks/run-on-gpu.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
rm -rf artifacts/gpu-bench
dotnet publish benchmarks/Unroll.GpuBenchmarks -c Release -r linux-x64 --self-contained -o artifacts/gpu-bench
du -sh artifacts/gpu-bench
