"""Many more hostile-input cases than CI runs, with random seeds; prints findings and throughput.

Uses the strategies and the contract check of tests/fuzzing.py (CI runs a bounded,
derandomised sample of the same in tests/test_fuzz.py). Every mutated instance is validated;
one in SOLVE_EVERY is also solved. Exit status 1 if any case broke the contract.

    python bench/fuzz.py [--cases 2000]

Throughput is compared with validating the unmutated seed in the same process (the floor for
one case: reading YAML, the catalog and the schema).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from common import Row

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import yaml  # noqa: E402
from fuzzing import (  # noqa: E402
    dump,
    invoke,
    mutations,
    run_instance_case,
    seed_instances,
    small_seed,
    text_breaks,
)
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

SOLVE_EVERY = 5
ROW_CASES = 300


def seeds() -> dict[str, dict | str]:
    out: dict[str, dict | str] = {"small": small_seed()}
    for path in seed_instances():
        out[path.stem] = yaml.safe_load(path.read_text())
        out[f"{path.stem} (text)"] = path.read_text()
    return out


def fuzz(cases: int) -> tuple[int, float, list[str]]:
    """Run `cases` random cases; (cases run, seconds, findings)."""
    docs = seeds()
    findings: list[str] = []
    count = 0

    @settings(
        max_examples=cases, deadline=None, database=None,
        suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    @given(data=st.data())
    def one(data):
        nonlocal count
        count += 1
        name = data.draw(st.sampled_from(sorted(docs)))
        doc = docs[name]
        with tempfile.TemporaryDirectory() as tmp:
            if isinstance(doc, str):
                text, blamed, what = data.draw(text_breaks(doc)), None, "text"
            else:
                mutation = data.draw(mutations(doc))
                text, blamed, what = dump(mutation.apply(doc)), mutation.blamed(), repr(mutation)
            bad = run_instance_case(Path(tmp), text, blamed, count % SOLVE_EVERY == 0)
        if bad:
            findings.append(f"{name} {what}: {'; '.join(bad)}")

    start = time.perf_counter()
    one()
    return count, time.perf_counter() - start, findings


def baseline_validates_per_s(repeats: int = 30) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "case.yaml"
        path.write_text(dump(small_seed()))
        invoke(["validate", str(path)])
        start = time.perf_counter()
        for _ in range(repeats):
            assert invoke(["validate", str(path)]).exit_code == 0
        return repeats / (time.perf_counter() - start)


def row() -> Row:
    count, seconds, findings = fuzz(ROW_CASES)
    floor = baseline_validates_per_s()
    rate = count / seconds
    return Row(
        f"fuzz cases/s ({count} cases, {len(findings)} findings)",
        f"{rate:.1f} /s",
        f"{floor:.1f} validates/s",
        f"{rate / floor:.2f}",
        "0 findings",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    args = parser.parse_args()
    count, seconds, findings = fuzz(args.cases)
    for finding in findings:
        print(finding)
    print(f"{count} cases in {seconds:.1f} s ({count / seconds:.1f}/s), {len(findings)} findings")
    sys.exit(1 if findings else 0)


if __name__ == "__main__":
    main()
