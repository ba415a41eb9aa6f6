#!/usr/bin/env python3
"""Parses one `legalaid run --timings` log written under `/usr/bin/time -v`
into benches/results/results.json, and renders results.md from it."""
import argparse
import datetime
import json
import os
import platform
import re
import sys


def parse(log):
    text = open(log, encoding="utf-8", errors="replace").read()
    stages = []
    in_table = False
    for line in text.splitlines():
        if re.match(r"^stage\s+seconds", line):
            in_table = True
            continue
        if in_table:
            m = re.match(r"^(.+?)\s+([0-9.]+)\s+([0-9.]+|-)\s*$", line)
            if not m:
                in_table = False
                continue
            peak = None if m.group(3) == "-" else float(m.group(3))
            stages.append({"stage": m.group(1).strip(), "seconds": float(m.group(2)),
                           "peak_rss_mib": peak})
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (.+)", text).group(1)
    parts = [float(p) for p in wall.strip().split(":")]
    seconds = 0.0
    for p in parts:
        seconds = seconds * 60 + p
    maxrss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
    user = float(re.search(r"User time \(seconds\): ([0-9.]+)", text).group(1))
    system = float(re.search(r"System time \(seconds\): ([0-9.]+)", text).group(1))
    # Stages reset the kernel's peak mark, so the process peak is the larger
    # of the stage peaks and what `time` saw.
    peak = max([maxrss_kb / 1024] + [s["peak_rss_mib"] or 0 for s in stages])
    return {"wall_seconds": round(seconds, 2), "user_seconds": user, "system_seconds": system,
            "peak_rss_mib": round(peak, 1), "stages": stages}


def render(results):
    path = os.path.join(results, "results.json")
    runs = json.load(open(path)) if os.path.exists(path) else []
    out = ["# Benchmark results", "",
           "Written by `benches/run.sh` (see README, Performance). One row per run; "
           "stage cells are wall seconds / peak RSS MiB during the stage. "
           "Peak RSS is the whole process's.", ""]
    stage_names = []
    for r in runs:
        for s in r["stages"]:
            if s["stage"] not in stage_names:
                stage_names.append(s["stage"])
    head = ["label", "date", "cases", "input MB", "memory_limit", "wall s", "peak RSS MiB"] + stage_names
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "---|" * len(head))
    for r in runs:
        cells = [r["label"], r["date"], f'{r["cases"]:,}', f'{r["input_bytes"] / 1e6:.0f}',
                 r.get("memory_limit") or "-", f'{r["wall_seconds"]:.2f}', f'{r["peak_rss_mib"]:.0f}']
        by = {s["stage"]: s for s in r["stages"]}
        for name in stage_names:
            s = by.get(name)
            if s is None:
                cells.append("")
            else:
                peak = "-" if s["peak_rss_mib"] is None else f'{s["peak_rss_mib"]:.0f}'
                cells.append(f'{s["seconds"]:.2f} / {peak}')
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    open(os.path.join(results, "results.md"), "w").write("\n".join(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("log", nargs="?")
    ap.add_argument("results")
    ap.add_argument("--render", action="store_true")
    ap.add_argument("--cases", type=int)
    ap.add_argument("--label", default="")
    ap.add_argument("--memory-limit", default="")
    ap.add_argument("--input-bytes", type=int, default=0)
    a = ap.parse_args()
    if a.render:
        render(a.results)
        return
    record = parse(a.log)
    record.update({"label": a.label, "cases": a.cases, "memory_limit": a.memory_limit,
                   "input_bytes": a.input_bytes,
                   "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
                   "machine": f"{platform.machine()} {os.cpu_count()} cores"})
    path = os.path.join(a.results, "results.json")
    runs = json.load(open(path)) if os.path.exists(path) else []
    runs.append(record)
    json.dump(runs, open(path, "w"), indent=2)
    print(json.dumps(record))


if __name__ == "__main__":
    sys.exit(main())
