"""`plan serve INSTANCE`: a local what-if page (tornado, bound to 127.0.0.1 by default).

- `GET /`: the page (page.py): knobs, the plan beside the base plan, racks, cash flow.
- `POST /api/solve` with the knobs as JSON: the plan at those knobs, solved by the same door
  as `plan solve --set` (the instance loader's rules), with the base plan's figures beside it;
  a bad knob is a 400 with one line naming it.
- `GET /download/report.html`, `/download/report.xlsx`: the report and workbook of the plan last
  shown (written to a temporary folder by the same code as `plan solve --report`).

Solves run one at a time on a worker thread, so the page stays responsive; a single-year plan
of instances/1gw.yaml answers in well under a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import tornado.web

from planner.errors import PlannerError
from planner.inputs.load import LoadedInstance, load_instance
from planner.results.present import human, money, show
from planner.results.run import PlanResult, solve_loaded, write_result
from planner.web.knobs import base_values, knobs_for, overrides
from planner.web.page import page

FIGURES = (
    ("status", "Status", "text"), ("npv_usd", "NPV of profit", "usd"),
    ("profit_usd_per_year", "Profit a year", "usd"), ("revenue_usd_per_year", "Revenue a year", "usd"),
    ("capex_racks_usd", "Capex: racks", "usd"), ("capex_facility_usd", "Capex: building", "usd"),
    ("facility_power_mw", "Facility power (MW)", "number"),
    ("cost_usd_per_mtok", "Cost per million output tokens", "usd_small"),
    ("payback_years", "Payback", "years"), ("irr_frac", "IRR", "frac"),
)  # fmt: skip
"""The key figures, base and current side by side."""


@dataclass
class Session:
    """The instance served, its base plan, and the plan last shown (for the downloads)."""

    path: Path
    catalog_dir: str | None = None
    base: LoadedInstance | None = None
    base_figures: dict[str, Any] = field(default_factory=dict)
    """The base plan's key figures (solved once, shown beside every what-if)."""
    last: PlanResult | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def load(self, sets: list[str]) -> LoadedInstance:
        return load_instance(self.path, tuple(sets), catalog_dir=self.catalog_dir)

    def start(self) -> None:
        """Load and solve the base plan (errors here stop `plan serve` before it listens)."""
        self.base = self.load([])
        self.last = solve_loaded(self.base)
        self.base_figures = _figures_of(self.last)

    def solve(self, values: dict[str, Any]) -> dict[str, Any]:
        """The plan at `values` beside the base plan, as the page shows it."""
        assert self.base is not None
        sets = overrides(values, base_values(self.base), knobs_for(self.base))
        with self.lock:
            plan = solve_loaded(self.load(sets))
            self.last = plan
        why = ""
        if not plan.solved.report.status.has_solution:
            from planner.explanation.infeasible import explain_failure

            why = explain_failure(plan)
        figures = _figures_of(plan)
        return {
            "why": why,
            "overrides": sets,
            "status": plan.status,
            "figures": _figures(self.base_figures, figures),
            "racks": _racks(plan),
            "cash": _cash(figures["cash"]),
        }

    def download(self, name: str) -> bytes:
        """report.html or report.xlsx of the plan last shown."""
        from planner.report import write_report

        assert self.last is not None
        with self.lock, tempfile.TemporaryDirectory() as folder:
            write_result(self.last, Path(folder))
            write_report(Path(folder))
            return (Path(folder) / name).read_bytes()


def _figures_of(plan: PlanResult) -> dict[str, Any]:
    """The key figures of a plan (payback and IRR from its cash flow), and that cash flow."""
    summary = plan.tables.summary.iloc[0]
    figures: dict[str, Any] = {k: summary.get(k) for k, _, _ in FIGURES}
    figures["cash"] = None
    if plan.solved.report.status.has_solution:
        figures["cash"], metrics = plan.cash_flow()
        figures.update(payback_years=metrics["payback_years"], irr_frac=metrics["irr_frac"])
    return figures


def _shown(value: Any, kind: str) -> str:
    return show(value, kind) or "-"


def _figures(b: dict[str, Any], p: dict[str, Any]) -> list[dict[str, str]]:
    """The plan's key figures beside the base plan's, with the change in dollars."""
    rows = []
    for key, words, kind in FIGURES:
        change = ""
        if kind == "usd" and all(isinstance(x.get(key), int | float) for x in (b, p)):
            delta = float(p[key]) - float(b[key])
            change = ("+" if delta > 0 else "") + money(delta) if abs(delta) > 0.5 else "same"
        rows.append(
            {
                "figure": words,
                "base": _shown(b.get(key), kind),
                "plan": _shown(p.get(key), kind),
                "change": change,
            }
        )
    return rows


def _racks(plan: PlanResult) -> list[dict[str, Any]]:
    racks = plan.tables.racks
    bought = racks[racks["count"] > 0][["rack", "count", "capex_usd"]]
    return [
        dict(zip(["Rack", "Racks", "Capex"], row, strict=True))
        for row in human(bought).itertuples(index=False)
    ]


def _cash(cash: pd.DataFrame | None) -> list[dict[str, str]]:
    if cash is None:
        return []
    return [
        {"Year": str(year), "Cash flow": money(flow), "Discounted": money(discounted)}
        for year, flow, discounted in zip(
            cash["year"],
            cash["cash_flow_usd"].astype(float),
            cash["discounted_cash_usd"].astype(float),
            strict=True,
        )
    ]


class _Handler(tornado.web.RequestHandler):
    def initialize(self, session: Session, pool: ThreadPoolExecutor) -> None:
        self.session, self.pool = session, pool


class PageHandler(_Handler):
    def get(self) -> None:
        assert self.session.base is not None
        self.set_header("Content-Type", "text/html; charset=utf-8")
        base = self.session.base
        self.write(page(base, knobs_for(base), base_values(base)))


class SolveHandler(_Handler):
    async def post(self) -> None:
        try:
            values = json.loads(self.request.body or b"{}")
            if not isinstance(values, dict):
                raise ValueError("the knobs must be a JSON object")
        except ValueError as exc:
            self.set_status(400)
            self.write({"error": f"bad request: {exc}"})
            return
        loop = asyncio.get_running_loop()
        try:
            answer = await loop.run_in_executor(self.pool, self.session.solve, values)
        except PlannerError as exc:
            self.set_status(400)
            self.write({"error": str(exc).splitlines()[0]})
            return
        self.write(answer)


class DownloadHandler(_Handler):
    async def get(self, name: str) -> None:
        loop = asyncio.get_running_loop()
        data = await loop.run_in_executor(self.pool, self.session.download, name)
        kinds = {"report.html": "text/html; charset=utf-8",
                 "report.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}  # fmt: skip
        self.set_header("Content-Type", kinds[name])
        self.set_header("Content-Disposition", f'attachment; filename="{name}"')
        self.write(data)


def make_app(session: Session) -> tornado.web.Application:
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="plan-serve")
    args = {"session": session, "pool": pool}
    return tornado.web.Application(
        [
            (r"/", PageHandler, args),
            (r"/api/solve", SolveHandler, args),
            (r"/download/(report\.html|report\.xlsx)", DownloadHandler, args),
        ]
    )


def serve(session: Session, host: str, port: int, ready: Any = None) -> None:
    """Listen on host:port until interrupted; `ready(url)` is called once listening."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_listen(session, host, port, ready, asyncio.Event))


async def _listen(session: Session, host: str, port: int, ready: Any, stop: Any) -> None:
    """Serve until `stop()` (an asyncio.Event factory, or an event made by the caller) is set."""
    import socket

    from tornado.httpserver import HTTPServer

    # the standard library's listener closes its socket when the port is taken (tornado's
    # bind_sockets leaves one open); OSError reaches the caller
    listener = socket.create_server((host, port))
    listener.setblocking(False)
    server = HTTPServer(make_app(session))
    server.add_sockets([listener])
    event = stop() if callable(stop) else stop
    if ready is not None:
        ready(f"http://{host}:{listener.getsockname()[1]}/")
    try:
        await event.wait()
    finally:
        server.stop()


class Background:
    """The page served from a thread (for tests and notebooks): `url`, then `close()`."""

    def __init__(self, session: Session, host: str = "127.0.0.1", port: int = 0) -> None:
        self.url = ""
        self._started = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, args=(session, host, port), daemon=True)
        self._thread.start()
        self._started.wait(timeout=60)

    def _run(self, session: Session, host: str, port: int) -> None:
        async def main() -> None:
            self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()

            def ready(url: str) -> None:
                self.url = url
                self._started.set()

            await _listen(session, host, port, ready, self._stop)

        asyncio.run(main())

    def close(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=30)
