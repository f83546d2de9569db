"""`plan init`: a commented starter instance, from the shipped 1 GW instance scaled to a site.

The 1 GW file carries the source or reasoning of every number; the starter keeps them and
scales what is proportional to the site (power, budget, forecasts) by site_mw / 1000, saying so
at the top.
"""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parents[2] / "instances" / "1gw.yaml"
TEMPLATE_MW = 1000.0


def yaml_number(value: float) -> str:
    """A number YAML reads as one: 6 significant digits, and a mantissa dot before any
    exponent ('4e+09' is a string to a YAML 1.1 loader; '4.0e+09' is a float)."""
    text = f"{value:.6g}"
    if "e" in text and "." not in text.split("e")[0]:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}.0e{exponent}"
    return text


def starter_text(site_mw: float, name: str) -> str:
    """The 1 GW instance's text with power, budget and forecasts scaled to `site_mw`."""
    scale = site_mw / TEMPLATE_MW
    text = TEMPLATE.read_text(encoding="utf-8")
    # the shipped file's editor schema line is relative to instances/; a starter lives elsewhere
    text = re.sub(r"^# yaml-language-server: .*\n", "", text, flags=re.MULTILINE)

    def scaled(match: re.Match) -> str:
        return f"{match.group(1)}{yaml_number(float(match.group(2)) * scale)}"

    text = re.sub(r"^(name: ).*$", rf"\g<1>{name}", text, count=1, flags=re.M)
    text = re.sub(r"^(  power_mw: )([0-9.e+]+)", scaled, text, count=1, flags=re.M)
    text = re.sub(r"^(  capex_budget_usd: )([0-9.e+]+)", scaled, text, count=1, flags=re.M)
    text = re.sub(r"^(    demand_mtok_per_year: )([0-9.e+]+)", scaled, text, flags=re.M)
    header = (
        f"# Starter instance written by `plan init --site-mw {site_mw:g}` from instances/1gw.yaml.\n"
        f"# Site power, capex budget and demand forecasts are 1gw.yaml's scaled by "
        f"{site_mw:g} / 1,000 MW;\n"
        "# every other number, and the source or reasoning beside each, is as there. Edit freely;\n"
        "# `plan validate` checks it and `plan schema` lists every field.\n#\n"
    )
    return header + text
