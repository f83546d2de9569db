"""HiGHS keeps one task scheduler per process; a later solve with another thread count must
still solve (HiGHS 1.12+ otherwise stops with "scheduler has already been initialized")."""

from __future__ import annotations

from planner.solver.highs import SolveSettings


def test_changing_threads_between_solves_still_solves(solve_case):
    body = {"site": {"power_mw": 1.0}, "systems": ["alpha"],
            "tiers": {"t": {"price_usd_per_mtok": 1, "min_tok_s_per_user": 10}}}  # fmt: skip
    for threads in (None, 1, 2, 1):
        result = solve_case(body, SolveSettings(threads=threads))
        assert result.status == "optimal", (threads, result.solved.report.log[-500:])
