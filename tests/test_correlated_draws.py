"""Monte Carlo inputs drawn together: a study file's `correlation` block (a Gaussian copula)."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from conftest import ROOT

from planner.cli import cli
from planner.errors import InstanceError
from planner.studies.cases import StudyFile, load_study, sample_cases

PRICES = {
    "tiers.medium.price_usd_per_mtok": {"dist": "uniform", "low": 0.6, "high": 1.5},
    "tiers.premium.price_usd_per_mtok": {"dist": "triangular", "low": 9, "mode": 20, "high": 30},
    "site.electricity_usd_per_mwh": {"dist": "normal", "mean": 70, "sd": 10},
}
TOGETHER = {"inputs": ["tiers.medium.price_usd_per_mtok", "tiers.premium.price_usd_per_mtok"],
            "matrix": [[1, 0.8], [0.8, 1]], "source": "estimate: one market moves both"}  # fmt: skip


def _study(correlation=TOGETHER, samples=20_000) -> StudyFile:
    body = {"samples": samples, "seed": 3, "distributions": PRICES}
    if correlation is not None:
        body["correlation"] = correlation
    return StudyFile.model_validate(body)


def _columns(study: StudyFile) -> dict[str, np.ndarray]:
    cases = sample_cases(study)
    return {p: np.array([c[p] for c in cases]) for p in PRICES}


def _ranks(x: np.ndarray) -> np.ndarray:
    return np.argsort(np.argsort(x)).astype(float)


def test_correlated_inputs_move_together_and_keep_their_distributions():
    # a Gaussian copula with normal-score correlation 0.8 gives a rank (Spearman) correlation of
    # (6 / pi) asin(0.8 / 2) = 0.786; each input keeps its own distribution: the uniform's mean
    # is (0.6 + 1.5) / 2 = 1.05, the triangular's (9 + 20 + 30) / 3 = 19.67 and it never leaves
    # [9, 30]; the independent input stays uncorrelated with both
    cols = _columns(_study())
    medium, premium = (
        cols["tiers.medium.price_usd_per_mtok"],
        cols["tiers.premium.price_usd_per_mtok"],
    )
    spearman = np.corrcoef(_ranks(medium), _ranks(premium))[0, 1]
    assert spearman == pytest.approx(6 / np.pi * np.arcsin(0.4), abs=0.01)
    assert medium.mean() == pytest.approx(1.05, abs=0.01) and medium.min() >= 0.6
    assert premium.mean() == pytest.approx(59 / 3, abs=0.1)
    assert premium.min() >= 9 and premium.max() <= 30
    other = cols["site.electricity_usd_per_mwh"]
    assert abs(np.corrcoef(_ranks(other), _ranks(medium))[0, 1]) < 0.03
    # without the block the same two inputs draw independently
    loose = _columns(_study(correlation=None))
    rho = np.corrcoef(_ranks(loose["tiers.medium.price_usd_per_mtok"]),
                      _ranks(loose["tiers.premium.price_usd_per_mtok"]))[0, 1]  # fmt: skip
    assert abs(rho) < 0.03


def test_a_negative_correlation_draws_opposite_moves():
    against = {**TOGETHER, "matrix": [[1, -0.9], [-0.9, 1]]}
    cols = _columns(_study(against, samples=5_000))
    rho = np.corrcoef(_ranks(cols["tiers.medium.price_usd_per_mtok"]),
                      _ranks(cols["tiers.premium.price_usd_per_mtok"]))[0, 1]  # fmt: skip
    assert rho == pytest.approx(6 / np.pi * np.arcsin(-0.45), abs=0.02)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"matrix": [[1, 0.8], [0.7, 1]]}, "symmetric with ones on the diagonal"),
        ({"matrix": [[1, 1.5], [1.5, 1]]}, r"entries must be numbers in \[-1, 1\]"),
        ({"matrix": [[1, 0.8]]}, "must be 2 x 2"),
        ({"inputs": ["tiers.medium.price_usd_per_mtok", "tiers.ultra.price_usd_per_mtok"]},
         "tiers.ultra.price_usd_per_mtok has no distribution"),
        ({"inputs": [*PRICES], "matrix": [[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]]},
         "positive semi-definite"),
        ({"source": ""}, "correlation.source"),
    ],
)  # fmt: skip
def test_a_bad_correlation_is_refused_by_name(tmp_path, change, message):
    path = tmp_path / "study.yaml"
    path.write_text(
        yaml.safe_dump({"distributions": PRICES, "correlation": {**TOGETHER, **change}})
    )
    with pytest.raises(InstanceError, match=message):
        load_study(path)
    # the same through the CLI: exit 3, one line, no traceback
    result = CliRunner().invoke(cli, ["sweep", str(ROOT / "instances" / "1gw.yaml"), "--study",
                                      str(path), "--samples", "1"])  # fmt: skip
    assert result.exit_code == 3 and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
