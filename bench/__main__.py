"""``python -m bench [N ...] [--repeat R] [--mix f01|year] [--report-only]``: measure and write ``bench/RESULTS.md``.

For each N (default 80 1000 10000 52000) the case is generated once into
``bench/cache/`` (see :mod:`bench.generate`), then, each in a fresh process:

* ``xlplan consolidate DIR`` end to end (interpreter start included), wall
  time and peak RSS from ``wait4`` — the number a user feels — repeated on
  the case's folder, whose inputs are already archived (a newly generated
  case is consolidated once, untimed, first);
* the first run: a fresh working folder (``init_workspace``, an empty archive
  and audit store) with a copy of the inbox, consolidated once — what the
  first "Tổng hợp" over new files costs (every input archived: one copy and
  fsync per file, every value written to the audit store);
* the same job by phase (:mod:`bench.phases`);
* the naive openpyxl + pandas baseline (:mod:`bench.baseline`), on at most
  ``BASELINE_SAMPLE`` files: beyond that its per-file rate is extrapolated
  (it is linear: one independent load per file) and the table says so.

Nothing is typed by hand: the table and the figures in the "scale" section
are computed here from this run's measurements.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from .generate import CACHE, PLAN, case_dir, ensure_case

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
BASELINE_SAMPLE = 1000
NATIONAL_UNITS = 52_000
FILES_PER_UNIT_YEAR = 14  # one F01, twelve monthly F02, one F03
MIXES = ("f01", "year")
# Each mix is judged at the as-of date of the round it stands for (what is due decides what is
# chased): the registrations at their deadline, the national year's inbox in early January.
AS_OF = {"f01": "20/02/2017", "year": "06/01/2018"}



def _wait4(args: list[str]) -> tuple[float, float, str]:
    """Run ``args`` and reap it with ``os.wait4``: wall seconds and its own peak RSS (MB), children excluded."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=HERE.parent)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}): {err.decode()[-2000:]}")
    return wall, usage.ru_maxrss / 1024, out.decode()


def _clean_backups(ws: Path) -> None:
    shutil.rmtree(ws / "KetQua" / "SaoLuu", ignore_errors=True)


def _xlplan() -> list[str]:
    exe = shutil.which("xlplan")
    return [exe] if exe else [sys.executable, "-m", "xlplan"]


def first_run(n: int, mix: str, log=print) -> tuple[float, float]:
    """``xlplan consolidate`` once on a fresh copy of the case: new working folder, no archive, no audit store.

    The copy lives next to the case (same disk, not a RAM-backed /tmp) and is
    deleted afterwards; the copied files are flushed to disk before the clock starts.
    """
    from xlplan.services.workspace import ARCHIVE, INBOX, OUTPUT, init_workspace

    root = case_dir(n, mix)
    fresh = root.parent / f".first-run-{mix}-{n}"
    shutil.rmtree(fresh, ignore_errors=True)
    try:
        init_workspace(fresh, PLAN, root / "danh_muc.csv")
        shutil.copytree(root / "ws" / INBOX, fresh / INBOX, dirs_exist_ok=True)
        if (fresh / ARCHIVE).exists() or any((fresh / OUTPUT).glob("*.sqlite")):
            raise RuntimeError(f"{fresh}: a fresh working folder already has an archive or audit store")
        os.sync()
        wall, rss, _ = _wait4([*_xlplan(), "consolidate", str(fresh), "--as-of", AS_OF[mix]])
        archived = sum(1 for p in (fresh / ARCHIVE).rglob("*") if p.is_file())
    finally:
        shutil.rmtree(fresh, ignore_errors=True)
    log(f"N={n} ({mix}): first run {wall:.2f} s, peak {rss:.0f} MB, {archived} files archived")
    return wall, rss


def measure(n: int, mix: str, repeat: int, log=print) -> dict:
    from xlplan.services.workspace import ARCHIVE

    meta = ensure_case(n, mix, log=log)
    ws = case_dir(n, mix) / "ws"
    # Phases first: they leave the city workbook filled, so every end-to-end run is a repeated
    # "Tổng hợp" (the heavier case: the previous tables are in the workbook it opens).
    _, _, out = _wait4([sys.executable, "-m", "bench.phases", str(ws), "--as-of", AS_OF[mix]])
    phases = json.loads(out)
    _clean_backups(ws)
    if not (ws / ARCHIVE).is_dir():  # a new case: archive its inputs once, so the timed runs are repeated ones
        _wait4([*_xlplan(), "consolidate", str(ws), "--as-of", AS_OF[mix]])
        _clean_backups(ws)
    runs = []
    for _ in range(repeat):
        wall, rss, _ = _wait4([*_xlplan(), "consolidate", str(ws), "--as-of", AS_OF[mix]])
        _clean_backups(ws)
        runs.append((wall, rss))
    end_to_end = statistics.median(w for w, _ in runs)
    peak = max(r for _, r in runs)
    first_wall, first_rss = first_run(n, mix, log)
    sample = min(meta["files"], BASELINE_SAMPLE)
    _, _, out = _wait4([sys.executable, "-m", "bench.baseline", str(ws / "NopBaoCao"), str(sample)])
    base = json.loads(out)
    files = meta["files"]
    base_read_per_file = base["seconds"]["read"] / base["files"]
    base_total = base["seconds"]["import"] + base_read_per_file * files + base["seconds"]["aggregate"]
    read = phases["seconds"]["read"]
    result = {"n": n, "mix": mix, "files": files, "end_to_end": end_to_end, "runs": [round(w, 3) for w, _ in runs],
              "first_run": round(first_wall, 3), "first_run_rss_mb": round(first_rss, 1),
              "peak_rss_mb": max(peak, phases["peak_rss_mb"]), "phases": phases, "baseline": base,
              "baseline_sampled": base["files"] < files, "baseline_read": base_read_per_file * files,
              "baseline_total": base_total, "read_ratio": base_read_per_file * files / read if read else None,
              "generation": meta}
    log(f"N={n} ({mix}): {end_to_end:.2f} s end to end, first run {first_wall:.2f} s, peak {result['peak_rss_mb']:.0f} MB, read ×{result['read_ratio']:.1f}")
    return result


def help_time(repeat: int = 5) -> float:
    return statistics.median(_wait4([*_xlplan(), "--help"])[0] for _ in range(repeat))


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GB RAM; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}")


if __name__ == "__main__":
    from .report import write_results

    argv = sys.argv[1:]
    repeat, mix = 3, "f01"
    if "--repeat" in argv:
        i = argv.index("--repeat")
        repeat = int(argv[i + 1])
        del argv[i:i + 2]
    if "--mix" in argv:
        i = argv.index("--mix")
        mix = argv[i + 1]
        del argv[i:i + 2]
    if mix not in MIXES:
        sys.exit(f"--mix: one of {', '.join(MIXES)}")
    last = CACHE / f"last-{mix}.json"
    if "--report-only" not in argv:
        sizes = [int(a) for a in argv] or [80, 1000, 10000, 52000]
        fresh = {n: measure(n, mix, repeat if n <= 1000 else 1) for n in sizes}
        if argv and last.exists():  # re-measuring some sizes keeps the last run's others
            kept = {r["n"]: r for r in json.loads(last.read_text())}
            fresh = {**kept, **fresh}
        rows = [fresh[n] for n in sorted(fresh)]
        CACHE.mkdir(parents=True, exist_ok=True)
        last.write_text(json.dumps(rows, indent=1))
    # Every mix's last rows: running one mix keeps the other's table.
    by_mix = {m: json.loads((CACHE / f"last-{m}.json").read_text()) for m in MIXES
              if (CACHE / f"last-{m}.json").exists()}
    if not by_mix:
        sys.exit("no measurements yet: run python -m bench first")
    write_results(by_mix, machine(), help_time(), RESULTS)
    print(f"wrote {RESULTS}")
