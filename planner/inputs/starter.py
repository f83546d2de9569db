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
        """The value scaled; its comment says so, and keeps its source for the 1 GW figure."""
        value = yaml_number(float(match.group(2)) * scale)
        comment = match.group(4)
        if scale != 1.0 and comment:
            comment = (
                f"# {match.group(2)} at 1 GW x {site_mw:g}/1,000; there: {comment[1:].strip()}"
            )
        return f"{match.group(1)}{value}{match.group(3) or ''}{comment or ''}"

    number = r"([0-9.e+]+)(\s*)(#.*)?$"
    text = re.sub(r"^(name: ).*$", rf"\g<1>{name}", text, count=1, flags=re.M)
    text = re.sub(rf"^(  power_mw: ){number}", scaled, text, count=1, flags=re.M)
    text = re.sub(rf"^(  capex_budget_usd: ){number}", scaled, text, count=1, flags=re.M)
    text = re.sub(rf"^(    demand_mtok_per_year: ){number}", scaled, text, flags=re.M)
    # the free tier's users are this site's share of the market, as the forecasts are
    text = re.sub(rf"^(    min_mtok_per_year: ){number}", scaled, text, flags=re.M)
    if scale != 1.0:  # the description's own figures follow the site
        text = re.sub(r"^(description: )1 GW ", rf"\g<1>{site_mw:g} MW ", text, count=1, flags=re.M)
        text = re.sub(
            r"^(description: .*)\$50B all-in budget",
            rf"\g<1>${50 * scale:g}B all-in budget",
            text,
            count=1,
            flags=re.M,
        )
    header = (
        f"# Starter instance written by `plan init --site-mw {site_mw:g}` from instances/1gw.yaml.\n"
        f"# Site power, capex budget, demand forecasts and the free tier's floor are 1gw.yaml's\n"
        f"# scaled by {site_mw:g} / 1,000 MW (each scaled line says so);\n"
        "# every other number, and the source or reasoning beside each, is as there. Edit freely;\n"
        "# `plan validate` checks it and `plan schema` lists every field.\n#\n"
    )
    return header + text
