#!/usr/bin/env python3
"""The DuckDB peer of issue 13: the same case scores and credit scores as
`legalaid run`, computed from the same CSVs by a plain DuckDB SQL script
(peer.sql), so the two can be timed side by side in one session.

  run.py peer DATA_DIR OUT_DIR [--as-of DATE] [--threads N]
      Runs peer.sql on DATA_DIR (a folder written by `legalaid generate`),
      writes OUT_DIR/case_scores.csv and OUT_DIR/lawyer_credit.csv.
  run.py compare LEGALAID_OUT PEER_OUT
      Compares legalaid's data/case_scores.csv and data/lawyer_credit.csv
      with the peer's: every case and lawyer present in both, the largest
      absolute difference of score and credit_score, grades that differ.
  run.py bench DATA_DIR --legalaid BIN [--as-of DATE] [--label L]
             [--memory-limit LIMIT] [--batch-size N] [--repeat N]
      Runs both, one after the other, each as its own process whose
      resident memory is sampled from /proc/PID/status every 10 ms (the
      kernel's peak mark is never reset) and whose inputs are read once
      just before it (untimed, so both find them in the page cache), compares the results and appends
      one row to benches/results/peer.json. With --memory-limit, legalaid
      runs a copy of the pipeline file with `[engine] memory_limit = LIMIT`
      (issue 13 asks for 5 M cases under 3GiB); the peer is not limited.
      With --batch-size, the copy sets `[engine] batch_size = N` too (the
      spec's default is 8192; NOTES.md, session 40, measures 32768).
      With --repeat N the pair runs N times, alternating; the row records
      every wall time, the medians and their ratio, and the highest peak of
      each tool: two runs of one binary here differ by up to 10 %, more
      than the margin of the 5 M / 1 M target (NOTES.md, sessions 33-35).
      legalaid runs with --timings; the row keeps the median of each of
      its stages (ingest, scoring, publish, ...), so the table shows where
      its time goes beside the peer's whole.
  run.py table [N]
      Prints the last N rows of benches/results/peer.json as a table, with
      the 5 M / 1 M ratio of legalaid's wall time where a 5 M row follows a
      1 M row of the same label and batch size, then legalaid's stages of
      the rows that recorded them.

benches/peer/run.sh creates the Python environment with DuckDB first.
"""

import argparse
import csv
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def pipeline(data: Path) -> dict:
    with open(data / "pipeline.toml", "rb") as f:
        return tomllib.load(f)


def peer(data: Path, out: Path, as_of: str | None, threads: int | None) -> float:
    import duckdb  # only this command needs it

    p = pipeline(data)
    start, end = p["period"]["start"], p["period"]["end"]
    as_of_day = dt.date.fromisoformat(as_of) if as_of else end
    t0 = time.perf_counter()
    con = duckdb.connect()
    if threads:
        con.execute(f"set threads = {threads}")
    con.execute(
        "create temp table items (case_type varchar, item varchar, max_points double, veto boolean)"
    )
    con.execute("create temp table bands (case_type varchar, code varchar, lower double, fail boolean)")
    for case_type, path in p["rubrics"].items():
        with open(data / path, "rb") as f:
            rubric = tomllib.load(f)
        con.executemany(
            "insert into items values (?, ?, ?, ?)",
            [(case_type, i["code"], float(i["max_points"]), bool(i.get("veto", False)))
             for i in rubric["items"]],
        )
        con.executemany(
            "insert into bands values (?, ?, ?, ?)",
            [(case_type, b["code"], float(b["lower"]), bool(b.get("fail", False)))
             for b in rubric["bands"]],
        )
    sql = (HERE / "peer.sql").read_text(encoding="utf-8").format(
        data=str(data),
        as_of=as_of_day.isoformat(),
        period_start=start.isoformat(),
        period_end=end.isoformat(),
        lookback_start=years_before(as_of_day, 3).isoformat(),
    )
    con.execute(sql)
    out.mkdir(parents=True, exist_ok=True)
    con.execute(
        f"copy (select * from case_scores order by case_id) to '{out}/case_scores.csv' (header)"
    )
    con.execute(
        f"copy (select * from lawyer_credit order by lawyer_id) to '{out}/lawyer_credit.csv' (header)"
    )
    return time.perf_counter() - t0


def read(path: Path, key: str) -> dict:
    with open(path, newline="", encoding="utf-8") as f:
        return {r[key]: r for r in csv.DictReader(f)}


def compare(legalaid_out: Path, peer_out: Path) -> dict:
    result = {}
    for table, key, value, extra in [
        ("case_scores", "case_id", "score", "grade"),
        ("lawyer_credit", "lawyer_id", "credit_score", None),
    ]:
        ours = read(legalaid_out / "data" / f"{table}.csv", key)
        theirs = read(peer_out / f"{table}.csv", key)
        both = ours.keys() & theirs.keys()
        diffs = [
            abs(float(ours[k][value]) - float(theirs[k][value]))
            for k in both
            if ours[k][value] != "" and theirs[k][value] != ""
        ]
        result[table] = {
            "legalaid_rows": len(ours),
            "peer_rows": len(theirs),
            "in_both": len(both),
            f"max_abs_diff_{value}": max(diffs, default=0.0),
            # legalaid writes scores rounded to 2 decimals.
            "over_a_cent": sum(d > 0.005 + 1e-9 for d in diffs),
        }
        if extra:
            result[table][f"{extra}_differs"] = sum(ours[k][extra] != theirs[k][extra] for k in both)
    return result


class Sampler:
    """Peak VmRSS of one process, sampled every 10 ms."""

    def __init__(self, pid: int):
        self.pid, self.peak, self.done = pid, 0, False
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while not self.done:
            try:
                with open(f"/proc/{self.pid}/status") as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            self.peak = max(self.peak, int(line.split()[1]) * 1024)
            except (FileNotFoundError, ProcessLookupError):
                return
            time.sleep(0.01)

    def stop(self) -> int:
        self.done = True
        self.thread.join()
        return self.peak


def inputs(data: Path) -> list[Path]:
    """The files the pipeline file of DATA_DIR names: its inputs and rubrics."""
    p = pipeline(data)
    names = [*p.get("inputs", {}).values(), *p.get("rubrics", {}).values()]
    return [data / n for n in names if isinstance(n, str)]


def warm(paths: list[Path]) -> float:
    """Reads every file once, so that the timed run that follows finds its
    inputs in the page cache, whichever tool it is. This machine's kernel
    runs a DAMON reclaim scheme (/sys/kernel/mm/damon/admin/kdamonds/0:
    `pageout` of file pages not accessed for 12 aggregation intervals of
    5 s), so a file read a minute ago is read from disk again: without this
    the first tool of a size read the CSVs cold and the second one partly
    warm (benches/results/NOTES.md, session 34). Returns the seconds the
    reading took (cold reads show up as a longer time)."""
    t0 = time.perf_counter()
    for path in paths:
        with open(path, "rb", buffering=0) as f:
            while f.read(1 << 22):
                pass
    return time.perf_counter() - t0


def timed(cmd: list[str], cwd: Path, log: Path, warm_first: list[Path]) -> tuple[float, int]:
    """Runs `cmd`, returning its wall time and sampled peak resident memory.
    Dirty pages are flushed first, so that no run pays for writing back the
    files of the one before it: a 5 M run's ingest took 36.7-39.1 s right
    after another 5 M run had written its outputs to this disk, against
    30.0-30.5 s after runs that wrote theirs to tmpfs (benches/results/NOTES.md,
    session 31). Then the files `warm_first` are read (see `warm`)."""
    os.sync()
    warmed = warm(warm_first)
    print(f"  {log.stem}: its inputs read in {warmed:.1f} s first", flush=True)
    t0 = time.perf_counter()
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        sampler = Sampler(proc.pid)
        code = proc.wait()
    wall = time.perf_counter() - t0
    peak = sampler.stop()
    if code != 0:
        sys.exit(f"{' '.join(cmd)} failed ({code}); see {log}")
    return wall, peak


def stage_seconds(log: Path) -> dict[str, float]:
    """The wall seconds of each stage, from the table `legalaid run
    --timings` prints: a header line starting with `stage`, then one line
    per stage (its name in 18 columns, seconds, peak MiB), then a blank."""
    stages, inside = {}, False
    for line in log.read_text(encoding="utf-8").splitlines():
        if line.startswith("stage ") and "seconds" in line:
            inside = True
        elif inside and not line.strip():
            break
        elif inside:
            stages[line[:18].strip()] = float(line[18:].split()[0])
    if not stages:
        sys.exit(f"{log} holds no stage timings (is the binary older than --timings?)")
    return stages


def set_aside(paths: list[Path], trash: Path) -> None:
    """Moves the previous run's folders into `trash`, which run.sh removes
    after the last size. Removing them just before a run would slow it: on
    an ext4 file system without a journal (this machine's), for one to five
    minutes after many files are deleted, the kernel creates each new file
    only after checking every recently freed inode of its group
    (`recently_deleted`): copying 5,592 notices took 4.3 s of system time
    instead of 0.2 s, and this harness's 1 M run 24.1 s instead of 20.5 s."""
    trash.mkdir(exist_ok=True)
    for path in paths:
        if path.exists():
            path.rename(trash / f"{path.name}-{time.time_ns()}")


def bench(args) -> None:
    data = Path(args.data).resolve()
    work = data / "peer-bench"
    trash = data / ".peer-bench-trash"
    set_aside([work, data / "state"], trash)
    work.mkdir()
    as_of = ["--as-of", args.as_of] if args.as_of else []
    ours_out = work / "legalaid-out"
    pipeline_file = "pipeline.toml"
    engine = []
    if args.memory_limit:
        engine.append(f'memory_limit = "{args.memory_limit}"')
    if args.batch_size:
        engine.append(f"batch_size = {args.batch_size}")
    if engine:
        # Beside the original, so that its relative paths still resolve.
        pipeline_file = "peer-bench.toml"
        text = (data / "pipeline.toml").read_text()
        if "[engine]" in text:
            sys.exit(f"{data / 'pipeline.toml'} has an [engine] table already: set its keys there")
        (data / pipeline_file).write_text(text + "\n[engine]\n" + "".join(f"{line}\n" for line in engine))
    peer_out = work / "peer-out"
    peer_cmd = [sys.executable, str(HERE / "run.py"), "peer", str(data), str(peer_out)]
    if args.as_of:
        peer_cmd += ["--as-of", args.as_of]
    ours_cmd = [
        str(Path(args.legalaid).resolve()), "run", pipeline_file, "--out", str(ours_out), "--timings", *as_of
    ]
    ours_walls, ours_peaks, peer_walls, peer_peaks = [], [], [], []
    ours_stages: list[dict[str, float]] = []
    for i in range(args.repeat):
        if i > 0:
            # Each run writes into a folder of its own (see set_aside).
            set_aside([ours_out, peer_out, data / "state"], trash)
        wall, peak = timed(ours_cmd, data, work / "legalaid.log", inputs(data))
        ours_walls.append(wall)
        ours_peaks.append(peak)
        ours_stages.append(stage_seconds(work / "legalaid.log"))
        wall, peak = timed(peer_cmd, data, work / "peer.log", inputs(data))
        peer_walls.append(wall)
        peer_peaks.append(peak)
        print(f"  run {i + 1} of {args.repeat}: legalaid {ours_walls[-1]:.2f} s, peer {wall:.2f} s", flush=True)
    ours_wall, peer_wall = statistics.median(ours_walls), statistics.median(peer_walls)
    ours_peak, peer_peak = max(ours_peaks), max(peer_peaks)
    agreement = compare(ours_out, peer_out)
    row = {
        "label": args.label,
        "data": data.name,
        "legalaid_wall_s": round(ours_wall, 2),
        "legalaid_peak_rss_mib": round(ours_peak / 2**20),
        "peer_wall_s": round(peer_wall, 2),
        "peer_peak_rss_mib": round(peer_peak / 2**20),
        "ratio_wall": round(ours_wall / peer_wall, 2),
        "runs": args.repeat,
        "legalaid_walls_s": [round(w, 2) for w in ours_walls],
        # Each stage's median over the runs (stages in run order).
        "legalaid_stages_s": {
            stage: round(statistics.median(run[stage] for run in ours_stages), 2) for stage in ours_stages[0]
        },
        "peer_walls_s": [round(w, 2) for w in peer_walls],
        "memory_limit": args.memory_limit or None,
        "batch_size": args.batch_size or None,
        "inputs_warmed": True,
        "agreement": agreement,
        "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        # The binary timed: `release` and the shipped `dist` differ in speed.
        "legalaid_bin_bytes": Path(args.legalaid).resolve().stat().st_size,
    }
    results = HERE.parent / "results" / "peer.json"
    rows = json.loads(results.read_text()) if results.exists() else []
    rows.append(row)
    results.write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(row, indent=2, ensure_ascii=False))


def table(last: int) -> None:
    rows = json.loads((HERE.parent / "results" / "peer.json").read_text())[-last:]
    print(
        "| data | label | memory_limit | batch_size | runs | legalaid s (median) | legalaid peak MiB "
        "| peer s (median) | peer peak MiB | legalaid / peer | 5 M / 1 M |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    one_million = {}
    for r in rows:
        if r["data"].startswith("c1000000-"):
            one_million[(r["label"], r.get("batch_size"))] = r["legalaid_wall_s"]
        scale = ""
        same_run = (r["label"], r.get("batch_size"))
        if r["data"].startswith("c5000000-") and same_run in one_million:
            scale = f"{r['legalaid_wall_s'] / one_million[same_run]:.2f}"
        print(
            f"| {r['data']} | {r['label']} | {r.get('memory_limit') or '-'} "
            f"| {r.get('batch_size') or '-'} | {r.get('runs', 1)} "
            f"| {r['legalaid_wall_s']:.2f} | {r['legalaid_peak_rss_mib']:,} | {r['peer_wall_s']:.2f} "
            f"| {r['peer_peak_rss_mib']:,} | {r['ratio_wall']:.2f} | {scale} |"
        )
    staged = [r for r in rows if r.get("legalaid_stages_s")]
    if staged:
        names = list(dict.fromkeys(name for r in staged for name in r["legalaid_stages_s"]))
        print("\nlegalaid's stages, median seconds over the runs of each row:\n")
        print("| data | label | " + " | ".join(names) + " | peer, whole |")
        print("|---|---|" + "---:|" * (len(names) + 1))
        for r in staged:
            cells = [f"{r['legalaid_stages_s'][n]:.2f}" if n in r["legalaid_stages_s"] else "-" for n in names]
            print(f"| {r['data']} | {r['label']} | " + " | ".join(cells) + f" | {r['peer_wall_s']:.2f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("peer")
    p.add_argument("data")
    p.add_argument("out")
    p.add_argument("--as-of")
    p.add_argument("--threads", type=int)
    c = sub.add_parser("compare")
    c.add_argument("legalaid_out")
    c.add_argument("peer_out")
    b = sub.add_parser("bench")
    b.add_argument("data")
    b.add_argument("--legalaid", required=True)
    b.add_argument("--as-of")
    b.add_argument("--label", default="")
    b.add_argument("--memory-limit")
    b.add_argument("--batch-size", type=int)
    b.add_argument("--repeat", type=int, default=1)
    t = sub.add_parser("table")
    t.add_argument("last", type=int, nargs="?", default=2)
    args = ap.parse_args()
    if args.command == "bench" and args.repeat < 1:
        ap.error("--repeat must be at least 1")
    if args.command == "peer":
        wall = peer(Path(args.data).resolve(), Path(args.out).resolve(), args.as_of, args.threads)
        print(f"peer: {wall:.2f} s")
    elif args.command == "table":
        table(args.last)
    elif args.command == "compare":
        print(json.dumps(compare(Path(args.legalaid_out), Path(args.peer_out)), indent=2))
    else:
        bench(args)


if __name__ == "__main__":
    main()
