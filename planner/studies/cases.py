"""Study cases: `--vary PATH=SPEC` grids and Monte Carlo draws from a study file.

A case is an ordered mapping from an override path (as in `--set`, e.g.
`tiers.ultra.price_usd_per_mtok`, or the knob `systems.<system>.derate`) to a value. Its id is
a hash of the base instance's fingerprint and the case's inputs, so a re-run of the same sweep
finds the cases it already solved.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, ValidationError, model_validator

from planner.errors import InstanceError, UsageError
from planner.inputs.base import Strict, StrictBase
from planner.inputs.yamlio import (
    format_validation_error,
    parse_value,
    read_yaml,
    strict_number,
)

Case = dict[str, Any]
MAX_GRID_POINTS = 100_000


def _number(text: str, where: str) -> float:
    value = strict_number(text)
    if value is None:
        raise UsageError(f"{where}: '{text}' is not a plain decimal number")
    if not math.isfinite(value):
        raise UsageError(f"{where}: '{text}' must be finite")
    return float(value)


def _range(spec: str, where: str) -> list[float]:
    """'start:stop:step' -> start, start+step, ... up to and including stop."""
    parts = spec.split(":")
    if len(parts) != 3:
        raise UsageError(f"{where}: range must be start:stop:step (got '{spec}')")
    start, stop, step = (_number(p, where) for p in parts)
    if step <= 0 or stop < start:
        raise UsageError(f"{where}: range needs step > 0 and stop >= start (got '{spec}')")
    span = (stop - start) / step
    if not math.isfinite(span) or span + 1 > MAX_GRID_POINTS:
        raise UsageError(f"{where}: more than {MAX_GRID_POINTS} points")
    count = math.floor(span + 1e-9) + 1
    points = [round(start + i * step, 12) for i in range(count)]
    if len(set(points)) < len(points) or any(not math.isfinite(p) for p in points):
        raise UsageError(
            f"{where}: the step {step:g} is too small for these numbers: points coincide"
        )
    return points


def parse_vary(text: str) -> tuple[str, list[Any]]:
    """'PATH=SPEC' -> (PATH, values); SPEC is 'a,b,c' (YAML scalars), 'start:stop:step', or a
    YAML list '[a, [b, c]]' (values that are lists). PATH may hold `*` segments (every entry)
    and end in `*` (scale the value there) or `+` (add to it): see yamlio.apply_knob."""
    where = f"--vary {text!r}"
    path, _, spec = text.partition("=")
    keys = [k for k in path.strip().split(".") if k]
    if not _ or not keys:
        raise UsageError(f"{where}: expected PATH=SPEC")
    spec = spec.strip()
    if not spec:
        raise UsageError(f"{where}: no values")
    if spec.startswith("["):  # a YAML list of the values: lists as values, [[250, 500], ...]
        values = _scalar(spec, f"--vary {'.'.join(keys)}")
        if not isinstance(values, list) or not values:
            raise UsageError(f"{where}: a [...] spec is a non-empty YAML list of the values")
        return ".".join(keys), values
    if ":" in spec and "," not in spec:
        return ".".join(keys), _range(spec, where)
    values = [_scalar(item, f"--vary {'.'.join(keys)}") for item in spec.split(",") if item.strip()]
    return ".".join(keys), values


def _scalar(text: str, where: str = "--vary") -> Any:
    """'3' -> 3, '2e6' -> 2000000.0 (YAML 1.1 would read a string), else the value by the
    instance loader's rules (`parse_value`: no 010, 0x3E8, 1_000 or fullwidth digits)."""
    number = strict_number(text)
    if number is not None:
        if not math.isfinite(number):
            raise UsageError(f"{where}: '{text.strip()}' must be finite")
        return number
    try:
        return parse_value(text, where)
    except InstanceError as exc:
        raise UsageError(str(exc)) from None


def grid_cases(varies: list[tuple[str, list[Any]]]) -> list[Case]:
    """Cartesian product of the --vary lists, first PATH outermost."""
    if not varies:
        return []
    paths = [p for p, _ in varies]
    if len(set(paths)) != len(paths):
        raise UsageError(f"--vary: a path is given twice ({', '.join(paths)})")
    return [
        dict(zip(paths, combo, strict=True)) for combo in itertools.product(*(v for _, v in varies))
    ]


class Distribution(StrictBase):
    """Clip bounds shared by every distribution (draws outside are clipped)."""

    min: float | None = None
    """Smallest value kept (draws below are raised to it)."""
    max: float | None = None
    """Largest value kept (draws above are lowered to it)."""

    @model_validator(mode="after")
    def _clips(self) -> Distribution:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min:g} is above max {self.max:g}")
        return self


def _span(low: float, high: float) -> None:
    """A range numpy can draw from: high - low must be a finite float."""
    if not math.isfinite(high - low):
        raise ValueError(f"high - low ({high:g} - {low:g}) is beyond the range of a float")


class Uniform(Distribution):
    dist: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        if self.high < self.low:
            raise ValueError(f"high {self.high:g} is below low {self.low:g}")
        _span(self.low, self.high)
        return self


class Normal(Distribution):
    dist: Literal["normal"]
    mean: float
    sd: float = Field(ge=0)

    @model_validator(mode="after")
    def _finite(self) -> Normal:
        _span(self.mean - 40 * self.sd, self.mean + 40 * self.sd)  # every draw stays a float
        return self


class Triangular(Distribution):
    dist: Literal["triangular"]
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _order(self) -> Triangular:
        if not self.low <= self.mode <= self.high or self.low == self.high:
            raise ValueError("needs low <= mode <= high and low < high")
        _span(self.low, self.high)
        return self


class LogNormal(Distribution):
    dist: Literal["lognormal"]
    median: float = Field(gt=0)
    """exp(mu): half the draws fall below it."""
    sigma: float = Field(ge=0, le=10)
    """Standard deviation of the logarithm (0.3 is roughly +-30%; at most 10, a factor of
    e^10 per standard deviation, beyond which draws leave the range of a float)."""


AnyDistribution = Annotated[Uniform | Normal | Triangular | LogNormal, Field(discriminator="dist")]


class Correlation(Strict):
    """Inputs drawn together: their draws' normal scores have this correlation matrix (a
    Gaussian copula), each keeping its own distribution; the other inputs draw independently."""

    inputs: list[str] = Field(min_length=2, max_length=100)
    """Keys of `distributions`, in the matrix's order."""
    matrix: list[list[float]]
    """Symmetric, ones on the diagonal, entries in [-1, 1], positive semi-definite."""
    source: str = Field(min_length=1)
    """Why these inputs move together, and by how much (a study's correlation is an input
    like any other: sourced or labelled an estimate)."""

    @model_validator(mode="after")
    def _matrix(self) -> Correlation:
        k = len(self.inputs)
        if len(set(self.inputs)) != k:
            raise ValueError("an input is named twice")
        if len(self.matrix) != k or any(len(row) != k for row in self.matrix):
            raise ValueError(f"matrix must be {k} x {k}, one row and column per input")
        m = np.array(self.matrix, dtype=float)
        if not np.isfinite(m).all() or (np.abs(m) > 1).any():
            raise ValueError("matrix entries must be numbers in [-1, 1]")
        if not np.allclose(np.diag(m), 1.0) or not np.allclose(m, m.T):
            raise ValueError("matrix must be symmetric with ones on the diagonal")
        if np.linalg.eigvalsh(m).min() < -1e-9:
            raise ValueError("matrix must be positive semi-definite (no draws could have it)")
        return self


class StudyFile(Strict):
    """`studies/*.yaml`: Monte Carlo distributions over instance fields (and knobs)."""

    description: str = ""
    """What the study asks."""
    samples: int = Field(default=100, ge=1, le=1_000_000)
    """Cases to draw (overridden by --samples)."""
    seed: int = Field(default=0, ge=0)
    """Random seed (overridden by --seed); the same seed draws the same cases."""
    distributions: dict[str, AnyDistribution] = Field(min_length=1)
    """Override path (as in --set) -> distribution of its value."""
    correlation: Correlation | None = None
    """Inputs drawn together (absent: every input draws independently)."""

    @model_validator(mode="after")
    def _correlated_inputs_exist(self) -> StudyFile:
        for path in self.correlation.inputs if self.correlation else ():
            if path not in self.distributions:
                raise ValueError(f"correlation.inputs: {path} has no distribution")
        return self


def load_study(path: str | Path) -> StudyFile:
    """Read and validate a study file; errors are one line naming the YAML path."""
    raw, node = read_yaml(Path(path))
    try:
        return StudyFile.model_validate(raw)
    except ValidationError as exc:
        raise InstanceError(format_validation_error(exc, str(path), StudyFile, node)) from None


def _draw(dist: Distribution, rng: np.random.Generator, n: int) -> np.ndarray:
    if isinstance(dist, Uniform):
        values = rng.uniform(dist.low, dist.high, n)
    elif isinstance(dist, Normal):
        values = rng.normal(dist.mean, dist.sd, n)
    elif isinstance(dist, Triangular):
        values = rng.triangular(dist.low, dist.mode, dist.high, n)
    else:
        assert isinstance(dist, LogNormal)
        values = rng.lognormal(math.log(dist.median), dist.sigma, n)
    return _clipped(dist, values)


def _clipped(dist: Distribution, values: np.ndarray) -> np.ndarray:
    lo = -np.inf if dist.min is None else dist.min
    hi = np.inf if dist.max is None else dist.max
    return np.clip(values, lo, hi)


_PHI = np.vectorize(lambda z: 0.5 * math.erfc(-z / math.sqrt(2.0)))
"""The standard normal CDF."""


def _from_normal_score(dist: Distribution, z: np.ndarray) -> np.ndarray:
    """The draw whose quantile is the standard normal score z's: F^-1(Phi(z))."""
    if isinstance(dist, Normal):
        values = dist.mean + dist.sd * z
    elif isinstance(dist, LogNormal):
        values = dist.median * np.exp(dist.sigma * z)
    elif isinstance(dist, Uniform):
        values = dist.low + (dist.high - dist.low) * _PHI(z)
    else:
        assert isinstance(dist, Triangular)
        u, lo, mode, hi = _PHI(z), dist.low, dist.mode, dist.high
        cut = (mode - lo) / (hi - lo)
        left = lo + np.sqrt(u * (hi - lo) * (mode - lo))
        right = hi - np.sqrt((1 - u) * (hi - lo) * (hi - mode))
        values = np.where(u < cut, left, right)
    return _clipped(dist, values)


def sample_cases(
    study: StudyFile, samples: int | None = None, seed: int | None = None
) -> list[Case]:
    """Draw `samples` cases, one column of draws per path, in the file's order (reproducible).

    With `correlation`, its inputs are drawn first, together: standard normal scores with the
    given correlation matrix (numpy's multivariate normal), each turned into its input's
    distribution by that distribution's quantile function (a Gaussian copula: each input keeps
    its own distribution, and the rank correlation follows the matrix). The other inputs then
    draw independently, as without the block."""
    n = study.samples if samples is None else samples
    rng = np.random.default_rng(study.seed if seed is None else seed)
    columns: dict[str, np.ndarray] = {}
    if study.correlation is not None:
        together = study.correlation.inputs
        scores = rng.multivariate_normal(
            np.zeros(len(together)),
            np.array(study.correlation.matrix),
            size=n,
            method="eigh",
        )
        for k, path in enumerate(together):
            columns[path] = _from_normal_score(study.distributions[path], scores[:, k])
    for path, dist in study.distributions.items():
        if path not in columns:
            columns[path] = _draw(dist, rng, n)
    order = list(study.distributions)
    return [{p: float(f"{columns[p][i]:.10g}") for p in order} for i in range(n)]


def combine(grid: list[Case], drawn: list[Case]) -> list[Case]:
    """Every grid point with every drawn case (either list may be empty)."""
    if not grid:
        return drawn
    if not drawn:
        return grid
    clash = set(grid[0]) & set(drawn[0])
    if clash:
        raise UsageError(f"{', '.join(sorted(clash))}: both varied and drawn")
    return [{**g, **d} for g in grid for d in drawn]


def case_id(fingerprint: str, case: Case) -> str:
    """Stable id of a case: hash of the base fingerprint and its inputs."""
    text = json.dumps([fingerprint, sorted(case.items())], default=str, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
