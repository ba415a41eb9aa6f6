#!/usr/bin/env bash
# legalaid and its DuckDB peer side by side (issue 13): creates a Python
# environment with DuckDB (once), generates each data set if needed, then
# for each size runs `legalaid run` and benches/peer/peer.sql on the same
# CSVs, one after the other, each with its resident memory sampled from
# /proc, checks that they agree on every case score and credit score,
# appends a row per size to benches/results/peer.json and prints the rows
# of this invocation as one table. Run it on an idle machine.
#
#   benches/peer/run.sh [CASES[:MEMORY_LIMIT] ...]
#                                        default: 1000000 5000000:3GiB
#                                        (legalaid's `[engine] memory_limit`
#                                        for that size; the peer is not limited)
#   BATCH_SIZE=32768                     legalaid's `[engine] batch_size` for
#                                        every size (unset: the default, 8192)
#   PEER_VENV=/work/duckvenv             where the environment lives
#   BENCH_DATA=/work/bench-data          where data sets live (outside the repo)
#   LEGALAID_BIN=target/release/legalaid the binary to time (built if absent)
#   LABEL=dc24552-dist                   the rows' label (default: HEAD's short
#                                        hash); name the profile when it is not
#                                        `release`
#   REPEAT=3                             runs of each tool per size, alternating;
#                                        the row keeps their medians
# Every run's output is kept until the end (see run.py, set_aside): with
# REPEAT=3 about 12 GB at 1 M and 5 M (a 5 M run writes 3.1 GB).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(1000000 5000000:3GiB)
venv="${PEER_VENV:-$repo/benches/peer/.venv}"
bin="${LEGALAID_BIN:-${CARGO_TARGET_DIR:-$repo/target}/release/legalaid}"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "duckdb==2.0.1"
fi
[ -x "$bin" ] || (cd "$repo" && cargo build --release --locked)
for size in "${sizes[@]}"; do
    cases="${size%%:*}"
    limit=""
    [ "$size" != "$cases" ] && limit="${size#*:}"
    data="${BENCH_DATA:-/work/bench-data}/c$cases-s7"
    if [ ! -f "$data/.complete" ]; then
        rm -rf "$data"
        "$bin" generate --out "$data" --cases "$cases" --seed 7 >/dev/null
        touch "$data/.complete"
    fi
    echo "== $cases cases${limit:+, legalaid under memory_limit $limit}${BATCH_SIZE:+, batch_size $BATCH_SIZE}"
    "$venv/bin/python" "$repo/benches/peer/run.py" bench "$data" --legalaid "$bin" \
        --label "${LABEL:-$(git -C "$repo" rev-parse --short HEAD)}" ${limit:+--memory-limit "$limit"} \
        ${BATCH_SIZE:+--batch-size "$BATCH_SIZE"} \
        --repeat "${REPEAT:-3}"
done
echo
"$venv/bin/python" "$repo/benches/peer/run.py" table "${#sizes[@]}"
# The folders of earlier runs, set aside by run.py, go only now: deleting
# many files slows the creation of new ones for minutes on an ext4 file
# system without a journal (still 3.5 min later here), so wait at least
# five minutes before the next invocation there (see run.py, set_aside).
for size in "${sizes[@]}"; do
    rm -rf "${BENCH_DATA:-/work/bench-data}/c${size%%:*}-s7/.peer-bench-trash"
done
