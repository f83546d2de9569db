"""Input readers scale linearly: time per item at 8x the size against time per item at 1x.

Two readers were quadratic (issue "A hostile world, round three"): `plan validate` in tiers
(coverage notes scanned every route once per tier; duplicate-key checks counted every key once
per key: 8,000 tiers took 10.4 s) and `plan import-curves` in rows (each row's line counted
from the file's start: 6,000 rows took 19.9 s). Each is timed in process (no start-up), at n
and 8n items, best of three; the ratio is the time per item at 8n over the time per item at n:
1.0 is linear, 8.0 quadratic. Target: at most 1.5.

    python bench/linear_inputs.py
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml
from common import Row

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from planner.inputs.importers import ImportRequest, import_curves  # noqa: E402
from planner.inputs.load import coverage_notes, load_instance  # noqa: E402

SCALE = 8
TARGET = 1.5


def best_of(work: Callable[[], object], times: int = 3) -> float:
    best = float("inf")
    for _ in range(times):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def _validate(folder: Path, n: int) -> Callable[[], object]:
    tiers = {f"t{i}": {"price_usd_per_mtok": 1 + i % 50, "min_tok_s_per_user": 10 + i % 100,
                       "demand_mtok_per_year": 1000} for i in range(n)}  # fmt: skip
    path = folder / f"tiers{n}.yaml"
    path.write_text(yaml.safe_dump({"site": {"power_mw": 100}, "tiers": tiers}))
    return lambda: coverage_notes(load_instance(path))


def _import(folder: Path, n: int) -> Callable[[], object]:
    sample = json.loads(
        (ROOT / "tests" / "data" / "import" / "inferencex-benchmarks.json").read_text()
    )
    rows = [dict(sample[k % len(sample)], conc=k) for k in range(n)]
    path = folder / f"rows{n}.json"
    path.write_text("[\n" + ",\n".join(json.dumps(r) for r in rows) + "\n]\n")  # a row a line
    request = ImportRequest(path, "inferencex", "gb300-nvl72", 72, "deepseek-r1")
    return lambda: import_curves(request)


def _row(name: str, make: Callable[[Path, int], Callable[[], object]], n: int) -> Row:
    with tempfile.TemporaryDirectory() as tmp:
        small, large = make(Path(tmp), n), make(Path(tmp), SCALE * n)
        small()  # warm-up: imports and caches
        t_small, t_large = best_of(small), best_of(large)
    ratio = (t_large / (SCALE * n)) / (t_small / n)
    return Row(
        f"{name}: per item at {SCALE * n:,} vs {n:,}",
        f"{t_large:.2f} s",
        f"{t_small:.3f} s",
        f"{ratio:.2f}",
        f"<= {TARGET} (8.0 is quadratic)",
    )


def row_validate() -> Row:
    return _row("plan validate, tiers", _validate, 1000)


def row_import() -> Row:
    return _row("plan import-curves, rows", _import, 750)


if __name__ == "__main__":
    for r in (row_validate(), row_import()):
        print("  ".join(r))
