"""`plan serve`: the what-if page, end to end (HTTP, then headless Chromium driven by
Playwright with the machine's own Chromium: nothing is downloaded)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from io import BytesIO

import pytest
from click.testing import CliRunner
from conftest import ROOT, chromium
from openpyxl import load_workbook

import planner
from planner.cli import cli
from planner.results.present import money
from planner.web.app import Background, Session

ONE_GW = ROOT / "instances" / "1gw.yaml"


@pytest.fixture(scope="module")
def served():
    session = Session(ONE_GW)
    session.start()
    server = Background(session)
    yield server.url
    server.close()


def _post(url: str, knobs: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url + "api/solve", data=json.dumps(knobs).encode(),
                                     method="POST")  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        with exc:  # its response is a socket too: closed here, not left to the collector
            return exc.code, json.loads(exc.read())


def _figure(answer: dict, words: str) -> dict:
    return next(row for row in answer["figures"] if row["figure"] == words)


def test_a_knob_re_solves_by_the_same_rules_as_plan_solve_set(served):
    # half the site: the page's plan is `plan solve --set site.power_mw=500.0`, and the base
    # plan (1gw.yaml as it is) stays beside it
    status, answer = _post(served, {"site_mw": 500})
    assert status == 200 and answer["overrides"] == ["site.power_mw=500.0"]
    direct = planner.solve(ONE_GW, overrides=["site.power_mw=500.0"]).tables.summary.iloc[0]
    base = planner.solve(ONE_GW).tables.summary.iloc[0]
    npv = _figure(answer, "NPV of profit")
    assert npv["plan"] == money(direct["npv_usd"]) and npv["base"] == money(base["npv_usd"])
    assert npv["change"] == money(direct["npv_usd"] - base["npv_usd"])
    assert answer["racks"] and answer["cash"]
    # every tier's price and demand at once, and the data basis
    status, answer = _post(served, {"price_scale": 0.5, "demand_scale": 2, "data": "estimate"})
    assert status == 200, answer
    assert answer["overrides"] == ["tiers.*.price_usd_per_mtok*=0.5",
                                   "tiers.*.demand_mtok_per_year*=2.0", "data=estimate"]  # fmt: skip


@pytest.mark.parametrize(
    ("knobs", "words"),
    [
        ({"site_mw": -5}, "Site power (MW) (site.power_mw): -5 is outside 1 to 100000"),
        ({"site_mw": "lots"}, "Site power (MW) (site.power_mw): 'lots' is not a number"),
        ({"data": "rumour"}, "data basis (data): 'rumour' is not one of"),
        ({"colour": 1}, "unknown knob 'colour'"),
    ],
)
def test_a_bad_knob_is_one_line_naming_it(served, knobs, words):
    status, answer = _post(served, knobs)
    assert status == 400 and words in answer["error"] and "\n" not in answer["error"]


def test_a_plan_that_cannot_be_built_says_why(served):
    # $1M of budget builds nothing, and the free tier must be served: no plan, and the page
    # says what `plan solve` says
    status, answer = _post(served, {"budget_busd": 0.001})
    assert status == 200 and answer["status"] == "infeasible"
    assert "a plan exists if you relax capex budget" in answer["why"]


def test_the_downloads_are_the_plan_shown(served):
    # after a 250 MW what-if, the workbook and report are that plan's (at most 250 MW of
    # facility power: two 100 MW blocks), not the base plan's 1,000 MW
    _post(served, {"site_mw": 250})
    with urllib.request.urlopen(served + "download/report.xlsx", timeout=120) as response:
        book = load_workbook(BytesIO(response.read()))
    items = {row[0]: row[1] for row in book["Key figures"].iter_rows(values_only=True)}
    power = items["Facility power (MW)"]
    assert 100 < power <= 250 + 1e-6
    with urllib.request.urlopen(served + "download/report.html", timeout=120) as response:
        page = response.read().decode()
    assert "Token Factory plan: 1gw" in page and f"{power:,.1f} MW" in page


def test_plan_serve_listens_on_this_machine_only_by_default():
    serve = next(c for c in cli.commands.values() if c.name == "serve")
    host = next(p for p in serve.params if p.name == "host")
    assert host.default == "127.0.0.1"
    bad = CliRunner().invoke(cli, ["serve", str(ROOT / "no-such.yaml")])
    assert bad.exit_code == 3 and "file not found" in bad.output


def test_the_page_in_a_browser_changes_a_knob_and_downloads_the_workbook(served, tmp_path):
    browser_path = chromium()
    if browser_path is None:
        pytest.skip("chromium not installed (apt-get install -y chromium); CI installs it")
    sync_api = pytest.importorskip("playwright.sync_api")
    args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path, args=args, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page.goto(served)
        page.wait_for_selector("body[data-ready='1']", timeout=60_000)
        first = page.locator("#figures tbody tr", has_text="NPV of profit").inner_text()
        assert "same" in first  # the base plan beside itself
        page.fill("#site_mw", "400")
        page.click("#solve")
        page.wait_for_function(
            "document.body.dataset.ready === '1' && "
            "document.getElementById('status').textContent.includes('site.power_mw=400')",
            timeout=60_000,
        )
        row = page.locator("#figures tbody tr", has_text="NPV of profit").inner_text()
        assert row != first and "-$" in row  # a smaller site earns less NPV
        with page.expect_download() as download:
            page.click("#download-workbook")
        path = tmp_path / "book.xlsx"
        download.value.save_as(path)
        assert "Key figures" in load_workbook(path).sheetnames
        page.fill("#site_mw", "-1")
        page.click("#solve")
        page.wait_for_function("document.getElementById('error').textContent.length > 0",
                               timeout=60_000)  # fmt: skip
        assert "is outside 1 to 100000" in page.inner_text("#error")
        browser.close()


def test_a_plan_over_years_gets_a_price_path_knob():
    # the five-year default's tiers fall 30% a year; the page's price-path knob adds points to
    # every tier's yearly change: -20 is `--set horizon.tiers.*.price_usd_per_mtok.growth_frac_per_year+=-0.2`
    # (prices falling 50% a year), the same NPV as that solve. A single-year plan has no such knob.
    path = ROOT / "instances" / "1gw-2026-2030.yaml"
    session = Session(path)
    session.start()
    server = Background(session)
    try:
        with urllib.request.urlopen(server.url, timeout=60) as response:
            assert 'id="price_growth_pts"' in response.read().decode()
        status, answer = _post(server.url, {"price_growth_pts": -20})
    finally:
        server.close()
    knob = "horizon.tiers.*.price_usd_per_mtok.growth_frac_per_year+=-0.2"
    assert status == 200 and answer["overrides"] == [knob]
    direct = planner.solve(path, overrides=[knob]).tables.summary.iloc[0]
    assert _figure(answer, "NPV of profit")["plan"] == money(direct["npv_usd"])


def test_a_single_year_plan_has_no_price_path_knob(served):
    with urllib.request.urlopen(served, timeout=60) as response:
        assert 'id="price_growth_pts"' not in response.read().decode()
    status, answer = _post(served, {"price_growth_pts": -20})
    assert status == 400 and "unknown knob 'price_growth_pts'" in answer["error"]


def test_a_port_in_use_is_a_usage_error_not_a_crash(served):
    # the page already listens on `served`'s port: a second `plan serve` there says so (exit 2)
    port = served.rstrip("/").rsplit(":", 1)[1]
    result = CliRunner().invoke(cli, ["serve", str(ONE_GW), "--port", port])
    assert result.exit_code == 2 and "cannot listen there" in result.output
    assert "Traceback" not in result.output


def test_no_knob_payload_breaks_the_page(served):
    # every door as strict as the front door: whatever JSON the page is sent, the answer is a
    # plan (200) or one line naming what is wrong (400), never a server error
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    names = st.sampled_from(["site_mw", "budget_busd", "price_scale", "demand_scale",
                             "discount_rate_pct", "data", "price_growth_pts", "x"])  # fmt: skip
    values = st.one_of(
        st.none(), st.booleans(), st.integers(-10**12, 10**12), st.text(max_size=8),
        st.floats(allow_nan=True, allow_infinity=True), st.lists(st.integers(), max_size=2),
    )  # fmt: skip

    @settings(
        max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(st.dictionaries(names, values, max_size=3))
    def check(knobs):
        body = json.dumps(knobs, allow_nan=True).encode()
        request = urllib.request.Request(served + "api/solve", data=body, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                assert response.status == 200
                json.loads(response.read())
        except urllib.error.HTTPError as exc:
            with exc:
                assert exc.code == 400
                error = json.loads(exc.read())["error"]
            assert error and "\n" not in error and "Traceback" not in error

    check()
    for raw in (b"not json", b"[1, 2]", b'"text"'):
        request = urllib.request.Request(served + "api/solve", data=raw, method="POST")
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request, timeout=60)
        with caught.value:
            assert caught.value.code == 400


def test_an_instance_at_rental_parity_gets_a_renters_margin_knob(served):
    # 1gw.yaml prices its tiers at rental parity with a 70% renters' margin; the page's knob
    # moves it: 50 is `--set lease_out.entrant_margin_frac=0.5`, a lower cap on every price and
    # a lower NPV, as that solve gives
    with urllib.request.urlopen(served, timeout=60) as response:
        assert 'id="entrant_margin_pct"' in response.read().decode()
    status, answer = _post(served, {"entrant_margin_pct": 50})
    assert status == 200 and answer["overrides"] == ["lease_out.entrant_margin_frac=0.5"]
    direct = planner.solve(ONE_GW, overrides=["lease_out.entrant_margin_frac=0.5"])
    npv = _figure(answer, "NPV of profit")
    assert npv["plan"] == money(direct.tables.summary.iloc[0]["npv_usd"])
    assert npv["change"].startswith("-")
    status, answer = _post(served, {"entrant_margin_pct": 100})
    assert status == 400 and "is outside 0 to 99" in answer["error"]
