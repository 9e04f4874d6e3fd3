"""The naive baseline: what an analyst would write without xlplan, timed in its own process.

For every file: ``openpyxl.load_workbook(path, data_only=True)`` (the usual
call: full load, not read-only mode), each workbook-level defined name
resolved to its cell and its value picked; then ``pandas.concat`` of the
one-row frames and a group-by on the unit kind summing the numbers. No checks,
no findings, no tracking: it does less than xlplan's read phase, so the ratio
flatters the baseline.

Run as ``python -m bench.baseline LIMIT FILE...`` is impractical for 52,000
paths, so it takes the inbox folder and an optional limit (LIMIT files evenly
spaced over the sorted paths, so a mixed inbox — F01, F02 months, F03 — is
sampled across its forms; at large N the baseline's per-file rate is measured
on a sample and the report says so).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path


def run(inbox: Path, limit: int | None = None) -> dict:
    started = time.perf_counter()
    import openpyxl
    import pandas as pd

    imported = time.perf_counter()
    paths = sorted(p for p in inbox.rglob("*.xlsx") if not p.name.startswith("~$"))
    total = len(paths)
    if limit and limit < total:
        paths = [paths[i * total // limit] for i in range(limit)]
    frames = []
    for path in paths:
        wb = openpyxl.load_workbook(path, data_only=True)
        row = {}
        for name, defined in wb.defined_names.items():
            for sheet, coord in defined.destinations:
                value = wb[sheet][coord.replace("$", "")]
                row[name] = value.value if not isinstance(value, tuple) else None
                break
        wb.close()
        frames.append(pd.DataFrame([row]))
    read_done = time.perf_counter()
    table = pd.concat(frames, ignore_index=True)
    kind_col = "loai_hinh" if "loai_hinh" in table.columns else table.columns[0]
    numbers = table.select_dtypes("number")
    summary = numbers.groupby(table[kind_col]).sum()
    done = time.perf_counter()
    return {"files": len(paths), "inbox_files": total, "columns": int(table.shape[1]), "groups": int(len(summary)),
            "seconds": {"import": round(imported - started, 4), "read": round(read_done - imported, 4),
                        "aggregate": round(done - read_done, 4), "total": round(done - started, 4)},
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


if __name__ == "__main__":
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else None
    print(json.dumps(run(Path(sys.argv[1]), limit)))
