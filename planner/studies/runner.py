"""One worker's case loop: build the model once, update mutable parameters, re-solve.

A kept model is reused only when building it from the case's PlanData would give the same
model up to its mutable parameters (`planner.model.reusable`: a key derived from everything the
build read, not a hand-kept list). The same persistent HiGHS interface is reused with it.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from planner.errors import PlannerError
from planner.inputs.data import PlanData
from planner.inputs.instance import Objective
from planner.inputs.load import (
    LoadedInstance,
    files_digest,
    load_instance,
    named_files,
    read_instance_bytes,
)
from planner.model import reusable
from planner.solver.highs import SolveSettings, make_solver
from planner.solver.run import PlanRun
from planner.solver.strategies import solve_plan
from planner.studies.cases import Case
from planner.studies.knobs import case_data
from planner.studies.rows import case_row
from planner.version import __version__

SUMMARY_KEYS = (
    "objective_value", "revenue_usd_per_year", "cost_usd_per_year", "profit_usd_per_year",
    "capex_usd", "facility_power_mw", "tok_s", "mtok_per_year", "cost_usd_per_mtok",
    "mip_gap_frac", "solve_s",
)  # fmt: skip


@dataclass(frozen=True)
class BaseSpec:
    """The base instance of a study, as picklable arguments (sent to every worker)."""

    path: str
    overrides: tuple[str, ...] = ()
    objective: Objective | None = None
    catalog_dir: str | None = None
    racks_csv: str | None = None
    settings: SolveSettings = field(default_factory=SolveSettings)
    reuse_model: bool = True
    """False builds a fresh model per case (the bench's baseline)."""
    source: bytes | None = None
    """The instance's bytes when it is not a regular file (a pipe can be read only once, and
    a worker elsewhere cannot read this process's standard input)."""

    @classmethod
    def of(
        cls,
        instance: str | Path,
        overrides: tuple[str, ...] = (),
        objective: Objective | None = None,
        catalog_dir: str | Path | None = None,
        racks_csv: str | Path | None = None,
        settings: SolveSettings | None = None,
    ) -> BaseSpec:
        """The spec every door builds: absolute paths, so workers started elsewhere (a Dask
        cluster) find the files; a pipe or device read once, here, into `source`."""
        path = Path(instance)
        source = None if path.is_file() else read_instance_bytes(path)
        return cls(
            str(path.resolve()) if source is None else str(path),
            tuple(overrides),
            objective,
            None if catalog_dir is None else str(Path(catalog_dir).resolve()),
            None if racks_csv is None else str(Path(racks_csv).resolve()),
            settings or SolveSettings(threads=1),
            source=source,
        )

    def load(self) -> LoadedInstance:
        return load_instance(
            self.path,
            self.overrides,
            self.objective,
            self.catalog_dir,
            self.racks_csv,
            self.source,
        )

    def fingerprint(self, loaded: LoadedInstance) -> str:
        """Hash of everything a case's result depends on besides its own inputs: the instance's
        bytes and validated fields (overrides applied), the catalog, the bytes of every other
        file the instance names, the solver settings and the planner's version."""
        settings = asdict(self.settings) | {"verbose": False}
        files = named_files(loaded.instance, loaded.path.parent)
        text = json.dumps(
            [
                loaded.sha256,
                loaded.instance.model_dump(mode="json"),
                loaded.catalog.model_dump(mode="json"),
                files_digest(files),
                settings,
                __version__,
            ],
            sort_keys=True,
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]


class CaseRunner:
    """Solves cases of one base instance, reusing a model while its structure holds.

    Up to MODELS_KEPT models (each with its persistent solver) stay built, so a grid whose
    structural input varies fastest does not rebuild every case.
    """

    MODELS_KEPT = 8

    def __init__(self, spec: BaseSpec) -> None:
        self.spec = spec
        self.base = spec.load()
        self.raw = self.base.instance.model_dump()
        self.kept: list[PlanRun] = []
        """Runs (each a built model and its persistent solver), the most recently used last."""
        self.builds = 0

    def run_for(self, data: PlanData) -> PlanRun:
        """A kept run whose model `data` fits (updated to it, with a fresh time budget), or a
        new one."""
        for k, run in enumerate(self.kept if self.spec.reuse_model else []):
            if reusable(run.model, data):
                self.kept.append(self.kept.pop(k))
                run.update(data)
                return run
        run = PlanRun.build(data, self.spec.settings, solver=make_solver(quiet=True))
        self.kept.append(run)
        if len(self.kept) > self.MODELS_KEPT:
            del self.kept[0]
        self.builds += 1
        return run

    def run(self, case: Case) -> dict[str, Any]:
        """Solve one case; never raises: an invalid case or a solver failure is a status."""
        start = time.perf_counter()
        row: dict[str, Any] = {"inputs": case, "message": "", "racks": {}, "power_mw": {}}
        try:
            inst, data = case_data(self.base, self.raw, case)
        except PlannerError as exc:
            return row | {"status": "invalid", "message": str(exc), "summary": {}}
        try:
            run = self.run_for(data)
            solved = solve_plan(run)
            result = case_row(run.model, data, inst, solved)
        except Exception as exc:  # noqa: BLE001 - one failed case must not stop a sweep
            self.kept.clear()
            return row | {
                "status": "error",
                "message": f"{type(exc).__name__}: {exc}",
                "summary": {},
            }
        row.update(result)
        row["case_s"] = time.perf_counter() - start
        return row


_RUNNERS: dict[BaseSpec, CaseRunner] = {}
_SOLVE_LOCK = threading.Lock()
"""One case at a time per process: Pyomo's HiGHS interface captures solver output by
redirecting file descriptors 1 and 2, which threads solving at once would corrupt (a Dask
worker with several threads therefore runs its cases in turn; use more worker processes)."""


def evaluate(spec: BaseSpec, case: Case) -> dict[str, Any]:
    """Task function for process pools and Dask workers: one warm runner per process."""
    with _SOLVE_LOCK:
        if spec not in _RUNNERS:
            _RUNNERS[spec] = CaseRunner(spec)
        return _RUNNERS[spec].run(case)


def case_file(outdir: Path, case_id: str) -> Path:
    return outdir / "cases" / f"{case_id}.json"
