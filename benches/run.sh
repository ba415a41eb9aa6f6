#!/usr/bin/env bash
# Benchmark harness (issue 7): builds the release binary, generates synthetic
# data sets (reused when present), runs `legalaid run --timings` on each under
# `/usr/bin/time -v`, and writes benches/results/results.{md,json}.
#
#   benches/run.sh [SIZE ...]            default: 100000 1000000
#   BENCH_DATA=/work/bench-data          where data sets live (outside the repo)
#   BENCH_SEED=7                         generator seed
#   BENCH_MEMORY_LIMIT=2G                [engine] memory_limit written into the
#                                        benchmark's pipeline copy (optional)
#   BENCH_LABEL=after                    label stored with each result
#   BENCH_NO_BUILD=1                     skip `cargo build --release`
#
# Each result is appended to benches/results/results.json (one object per
# run) and results.md is regenerated from it, so before/after runs of the
# same size stand side by side.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
data="${BENCH_DATA:-/work/bench-data}"
seed="${BENCH_SEED:-7}"
label="${BENCH_LABEL:-$(git -C "$repo" rev-parse --short HEAD)}"
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(100000 1000000)

target="${CARGO_TARGET_DIR:-$repo/target}"
if [ -z "${BENCH_NO_BUILD:-}" ]; then
    (cd "$repo" && cargo build --release)
fi
bin="$target/release/legalaid"
results="$repo/benches/results"
mkdir -p "$results" "$data"

for n in "${sizes[@]}"; do
    dir="$data/c$n-s$seed"
    if [ ! -f "$dir/pipeline.toml" ] || [ ! -f "$dir/.complete" ]; then
        echo "== generating $n cases into $dir"
        rm -rf "$dir"
        /usr/bin/time -v "$bin" generate --out "$dir" --cases "$n" --seed "$seed" \
            >"$dir.generate.log" 2>&1
        touch "$dir/.complete"
    fi
    # A pipeline copy for the benchmark: fresh register, optional memory limit.
    bench="$dir/bench.toml"
    cp "$dir/pipeline.toml" "$bench"
    if [ -n "${BENCH_MEMORY_LIMIT:-}" ]; then
        printf '\n[engine]\nmemory_limit = "%s"\n' "$BENCH_MEMORY_LIMIT" >>"$bench"
    fi
    # The previous run's folders are set aside and removed after the last
    # size: for minutes after many files are deleted, an ext4 file system
    # without a journal creates each new file only after checking every
    # recently freed inode of its group, which slowed a run's file writing
    # up to twentyfold (NOTES, session 22).
    trash="$dir/.bench-trash"
    mkdir -p "$trash"
    for old in "$dir/state" "$dir/out-bench"; do
        [ -e "$old" ] && mv "$old" "$trash/$(basename "$old")-$(date +%s%N)"
    done
    log="$dir/run.log"
    echo "== running $n cases"
    /usr/bin/time -v "$bin" run "$bench" --timings --out "$dir/out-bench" >"$log" 2>&1 || {
        echo "run failed, see $log"; tail -20 "$log"; exit 1; }
    python3 "$repo/benches/collect.py" "$log" "$results" \
        --cases "$n" --label "$label" --memory-limit "${BENCH_MEMORY_LIMIT:-}" \
        --input-bytes "$(du -cb "$dir"/*.csv | tail -1 | cut -f1)"
done
for n in "${sizes[@]}"; do
    rm -rf "$data/c$n-s$seed/.bench-trash"
done
python3 "$repo/benches/collect.py" --render "$results"
cat "$results/results.md"
