"""One consolidation of a working folder, timed by phase, in its own process.

Run as ``python -m bench.phases DIR``; prints one JSON object. The phases are
the ones ``services.consolidate`` chains (open the folder, discover, read,
aggregate, write) called one by one, so the sum is the job minus the
interpreter. Per-file checks run inside the reader and are part of "read";
"validate" is the cross-file and submission-tracking checks, timed inside the
aggregation by wrapping the two core functions that do them (and subtracted
from "aggregate"). Peak memory is ``ru_maxrss`` after each phase (the process
itself) and of reader worker processes, if a pool was used.
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import sys
import time
from pathlib import Path


def _rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: kilobytes


def _read(files, ws, engine, workers):
    """The intake's parallel ``read_many`` over the received inputs (shown names relative to the inbox)."""
    from xlplan.io.intake import read_many
    from xlplan.services.consolidate import receive

    stubs = receive(files, ws.inbox)
    return read_many(stubs, ws.plan, registry=ws.registry, engine=engine, workers=workers), "io.intake.read_many"


def run(root: Path, engine: str | None = None, workers: int | None = None, as_of: dt.date | None = None) -> dict:
    """Time each phase of one consolidation of ``root``; returns seconds, MB and counts."""
    times: dict[str, float] = {}
    rss: dict[str, float] = {}
    mark = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        times[name] = now - mark
        rss[name] = _rss_mb()
        mark = now

    from xlplan.core import rollup
    from xlplan.io.gc_pause import paused_gc
    from xlplan.services.consolidate import discover, save_summary
    from xlplan.services.workspace import open_workspace

    lap("import")
    ws = open_workspace(root)
    lap("open")
    found = discover(ws.inbox)
    lap("discover")
    submissions, reader = _read(found.files, ws, engine, workers)
    lap("read")
    validate = [0.0]

    def timed(fn):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                validate[0] += time.perf_counter() - started
        return wrapper

    rollup.cross_file_findings = timed(rollup.cross_file_findings)
    rollup.tracking_findings = timed(rollup.tracking_findings)
    with paused_gc():  # as services.consolidate runs it
        result = rollup.consolidate(submissions, ws.registry, ws.plan, extra_findings=found.skipped, as_of=as_of)
    lap("aggregate")
    times["validate"] = validate[0]
    times["aggregate"] -= validate[0]
    rss["validate"] = rss["aggregate"]
    rows = sum(len(r) for r in result.tables.values())
    backup = save_summary(ws, result).backup
    lap("write")
    if backup is not None:
        backup.unlink()  # the benchmark's own runs would otherwise fill the disk with copies
    return {"files": len(found.files), "reader": reader, "table_rows": rows,
            "theo_doi_rows": len(result.tables["tbl_theo_doi"]),
            "seconds": {k: round(v, 4) for k, v in times.items()},
            "rss_mb": {k: round(v, 1) for k, v in rss.items()},
            "peak_rss_mb": round(_rss_mb(), 1), "peak_child_rss_mb": round(_rss_mb(resource.RUSAGE_CHILDREN), 1)}


if __name__ == "__main__":
    args = sys.argv[1:]
    engine = None
    as_of = None
    if "--engine" in args:
        i = args.index("--engine")
        engine = args[i + 1]
        del args[i:i + 2]
    if "--as-of" in args:
        i = args.index("--as-of")
        as_of = dt.datetime.strptime(args[i + 1], "%d/%m/%Y").date()
        del args[i:i + 2]
    print(json.dumps(run(Path(args[0]), engine, as_of=as_of)))
