#!/usr/bin/env python3
"""Random `kill -9` of full runs (issue 15): N runs of a generated data set
are each killed after a random delay, and the state every kill leaves is
checked before the next run starts (which recovers whatever the kill left).

    benches/kill9.py BIN [--cases 20000] [--kills 100] [--dir /tmp/kill9] [--seed 1]

BIN is a built `legalaid` binary. Each run has a later as-of date than the
one before (2025-01-01 + i days), so runs keep adding events. A kill lands
at a uniformly random time in [0.1 s, 1.1 × the duration of an uninterrupted
run]; a run that finished before its kill is counted apart and not as a kill.

Checked after every kill, in this order (a read-only command first, so the
binary, not the sqlite3 tool, is the first to meet a hot journal):
  1. `legalaid register history` works on what the kill left;
  2. `PRAGMA integrity_check` of the register is `ok`;
  3. the output folder exists (once a run has published) and is whole: every
     file its manifest lists has the listed SHA-256, and it holds no other
     file but the manifest and the `.legalaid-output` marker;
  4. the published run is in the register's `runs` table (never the output
     of an uncommitted run), and the published `register_events.csv` is the
     register's first `events_after` events (never a stale or mixed log).
After the last kill one uninterrupted run must succeed and leave no
staging, retired or scratch folder behind; checks 1-4 are repeated.

Prints one line per kill and a summary; exits 1 when any state failed.
"""

import argparse
import csv
import datetime
import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check(bin_, data, published_once):
    """The problems of the state in `data` (an empty list when consistent)."""
    problems = []
    pipeline = os.path.join(data, "pipeline.toml")
    register = os.path.join(data, "state", "register.sqlite")
    out = os.path.join(data, "out")
    if not os.path.exists(register):
        return problems if not published_once else ["register missing"]
    # 1. a read-only command
    lawyer = None
    events_csv = os.path.join(out, "data", "register_events.csv")
    if os.path.exists(events_csv):
        with open(events_csv, newline="", encoding="utf-8") as f:
            lawyer = next(csv.DictReader(f), {}).get("lawyer_id")
    if lawyer:
        r = subprocess.run([bin_, "register", "history", pipeline, lawyer],
                           capture_output=True, text=True)
        if r.returncode != 0:
            problems.append(f"register history failed: {r.stderr.strip()[:200]}")
    # 2. integrity
    db = sqlite3.connect(register)
    try:
        ok = db.execute("PRAGMA integrity_check").fetchone()[0]
        if ok != "ok":
            problems.append(f"integrity_check: {ok}")
        runs = {row[0] for row in db.execute("SELECT run_id FROM runs")}
        event_ids = [row[0] for row in db.execute("SELECT event_id FROM events ORDER BY event_id")]
    finally:
        db.close()
    # 3. the output folder, whole
    if not os.path.isdir(out):
        if published_once:
            problems.append("out/ is missing")
        return problems
    try:
        with open(os.path.join(out, "manifest.json"), encoding="utf-8") as f:
            manifest = json.load(f)
    except Exception as e:  # noqa: BLE001 - any failure is a finding
        problems.append(f"manifest unreadable: {e}")
        return problems
    listed = manifest["outputs"]
    present = set()
    for root, _, files in os.walk(out):
        for name in files:
            present.add(os.path.relpath(os.path.join(root, name), out))
    extra = present - set(listed) - {"manifest.json", ".legalaid-output"}
    if extra:
        problems.append(f"unlisted files in out/: {sorted(extra)[:5]}")
    for rel, digest in listed.items():
        p = os.path.join(out, rel)
        if not os.path.exists(p):
            problems.append(f"listed file missing: {rel}")
        elif sha256(p) != digest:
            problems.append(f"file differs from its manifest: {rel}")
    # 4. committed, and the log as the register has it
    if manifest["run_id"] not in runs:
        problems.append(f"published run {manifest['run_id']} is not in the register")
    after = manifest["register"]["events_after"]
    with open(events_csv, newline="", encoding="utf-8") as f:
        published = [int(r["event_id"]) for r in csv.DictReader(f)]
    if published != event_ids[:after] or len(published) != after:
        problems.append(f"published log ({len(published)} events) is not the register's "
                        f"first {after} of {len(event_ids)}")
    return problems


def leftovers(data):
    names = [n for n in os.listdir(data) if n.startswith(".out.")]
    scratch = os.path.join(data, "state", ".legalaid-scratch")
    if os.path.isdir(scratch):
        names += [f"scratch/{n}" for n in os.listdir(scratch)]
    return names


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bin")
    ap.add_argument("--cases", type=int, default=20000)
    ap.add_argument("--kills", type=int, default=100)
    ap.add_argument("--dir", default="/tmp/kill9")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    bin_ = os.path.abspath(args.bin)
    data = os.path.join(args.dir, "data")
    shutil.rmtree(args.dir, ignore_errors=True)
    os.makedirs(args.dir)
    subprocess.run([bin_, "generate", "--out", data, "--cases", str(args.cases), "--seed", "7"],
                   check=True, capture_output=True)
    pipeline = os.path.join(data, "pipeline.toml")
    day0 = datetime.date(2025, 1, 1)

    def start(i):
        as_of = (day0 + datetime.timedelta(days=i)).isoformat()
        return subprocess.Popen([bin_, "run", pipeline, "--as-of", as_of],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    # One uninterrupted run: its duration bounds the kill delays.
    t = time.monotonic()
    p = start(0)
    _, err = p.communicate()
    if p.returncode != 0:
        sys.exit(f"the first run failed: {err.decode()[-500:]}")
    duration = time.monotonic() - t
    print(f"uninterrupted run of {args.cases} cases: {duration:.1f} s", flush=True)

    kills = finished = failed_runs = 0
    bad = []
    i = 1
    began = time.monotonic()
    while kills < args.kills:
        delay = rng.uniform(0.1, 1.1 * duration)
        p = start(i)
        try:
            _, err = p.communicate(timeout=delay)
            finished += 1
            if p.returncode != 0:
                failed_runs += 1
                bad.append((i, [f"an uninterrupted run failed: {err.decode()[-300:]}"]))
            outcome = f"finished (rc {p.returncode})"
        except subprocess.TimeoutExpired:
            p.send_signal(signal.SIGKILL)
            p.communicate()
            kills += 1
            outcome = f"killed at {delay:.2f} s"
        problems = check(bin_, data, True)
        journal = os.path.exists(os.path.join(data, "state", "register.sqlite.publishing"))
        if problems:
            bad.append((i, problems))
        print(f"run {i:3}: {outcome:24} journal={'yes' if journal else 'no ':3} "
              f"leftovers={len(leftovers(data)):2} {'OK' if not problems else problems}",
              flush=True)
        i += 1

    # The next uninterrupted run recovers everything.
    p = start(i)
    _, err = p.communicate()
    final = check(bin_, data, True)
    if p.returncode != 0:
        final.append(f"the final run failed: {err.decode()[-300:]}")
    left = leftovers(data)
    if left:
        final.append(f"left behind after the final run: {left}")
    if final:
        bad.append((i, final))
    print(f"\n{kills} kills, {finished} runs finished before their kill, "
          f"{len(bad)} inconsistent states, final run {'OK' if not final else final}; "
          f"{time.monotonic() - began:.0f} s", flush=True)
    for run, problems in bad:
        print(f"  run {run}: {problems}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
