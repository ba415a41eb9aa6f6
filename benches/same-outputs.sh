#!/usr/bin/env bash
# Proves a refactoring changed no output: runs two `legalaid` binaries on the
# same inputs (the demo pipeline, then a generated data set) with the same
# as-of dates, each with its own register, twice each (a run that lists, a
# run 20 days later that lists after the notice period), and compares every
# output file byte for byte. Only `generated_at` in manifest.json and the
# folder marker (.legalaid-output, absent before it existed) are ignored.
#
#   benches/same-outputs.sh BEFORE_BIN AFTER_BIN [CASES]    CASES default 100000
#
# Build BEFORE_BIN from the commit before the change, e.g.
#   git worktree add /tmp/before <commit> && (cd /tmp/before && cargo build --release)
set -euo pipefail
before="$(realpath "$1")"; after="$(realpath "$2")"; cases="${3:-100000}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$after" generate --out "$work/data" --cases "$cases" --seed 11 >/dev/null

# The demo pipeline reads ../sample_data: copy the pair of folders.
mkdir -p "$work/demo"
cp -r "$repo/pipelines" "$repo/sample_data" "$work/demo/"
for label in before after; do
    bin="$before"; [ "$label" = after ] && bin="$after"
    rm -rf "$work/demo/state"
    for as_of in 2024-12-31 2025-01-20; do
        "$bin" run "$work/demo/pipelines/chengdu-2024.toml" --as-of "$as_of" \
            --out "$work/$label-demo-$as_of" >/dev/null
    done
    rm -rf "$work/data/state"
    for as_of in 2024-12-31 2025-01-20; do
        "$bin" run "$work/data/pipeline.toml" --as-of "$as_of" \
            --out "$work/$label-generated-$as_of" >/dev/null
    done
done

status=0
for set in demo-2024-12-31 demo-2025-01-20 generated-2024-12-31 generated-2025-01-20; do
    b="$work/before-$set"; a="$work/after-$set"
    for m in "$b/manifest.json" "$a/manifest.json"; do
        sed -i 's/"generated_at": "[^"]*"/"generated_at": ""/' "$m"
    done
    rm -f "$b/.legalaid-output" "$a/.legalaid-output"
    n=$(find "$a" -type f | wc -l)
    if diff -r -q "$b" "$a" >"$work/diff.txt"; then
        echo "$set: $n files, identical"
    else
        echo "$set: DIFFERENT ($(wc -l <"$work/diff.txt") of $n files; by folder:" \
            "$(sed -E "s|^Files $b/([^/ ]+).*|\1|; s|^Only in ([^:]*).*|only-in|" "$work/diff.txt" \
                | sort | uniq -c | tr -s ' ' | tr '\n' ';'))"
        sed 's/^/  /' "$work/diff.txt" | head -20
        status=1
    fi
done
exit $status
