#!/usr/bin/env bash
# legalaid and its DuckDB peer side by side (issue 13): creates a Python
# environment with DuckDB (once), generates the data set if needed, then
# runs `legalaid run` and benches/peer/peer.sql on the same CSVs, one after
# the other, each with its resident memory sampled from /proc, checks that
# they agree on every case score and credit score, and appends a row to
# benches/results/peer.json. Run it on an idle machine.
#
#   benches/peer/run.sh [CASES]          default 1000000
#   PEER_VENV=/work/duckvenv             where the environment lives
#   BENCH_DATA=/work/bench-data          where data sets live (outside the repo)
#   LEGALAID_BIN=target/release/legalaid the binary to time (built if absent)
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cases="${1:-1000000}"
venv="${PEER_VENV:-$repo/benches/peer/.venv}"
data="${BENCH_DATA:-/work/bench-data}/c$cases-s7"
bin="${LEGALAID_BIN:-${CARGO_TARGET_DIR:-$repo/target}/release/legalaid}"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "duckdb==2.0.1"
fi
[ -x "$bin" ] || (cd "$repo" && cargo build --release --locked)
if [ ! -f "$data/.complete" ]; then
    rm -rf "$data"
    "$bin" generate --out "$data" --cases "$cases" --seed 7 >/dev/null
    touch "$data/.complete"
fi
"$venv/bin/python" "$repo/benches/peer/run.py" bench "$data" --legalaid "$bin" \
    --label "$(git -C "$repo" rev-parse --short HEAD)"
