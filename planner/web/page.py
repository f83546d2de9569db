"""The what-if page: one self-contained HTML document (the report's style, a little script)."""

from __future__ import annotations

import html
import json
from typing import Any

from planner.inputs.catalog import DATA_LEVELS
from planner.inputs.load import LoadedInstance
from planner.report.html import CSS, document
from planner.web.knobs import Knob

SCRIPT = """
const knobs = %(knobs)s;
const base = %(base)s;
function values() {
  const out = {};
  for (const k of knobs) {
    const text = document.getElementById(k).value.trim();
    out[k] = text === "" ? null : Number(text);
  }
  out.data = document.getElementById("data").value;
  return out;
}
function table(id, rows) {
  const el = document.getElementById(id);
  if (!rows.length) { el.innerHTML = ""; return; }
  const heads = Object.keys(rows[0]);
  const esc = s => String(s).replace(/[&<>"']/g, c => "&#" + c.charCodeAt(0) + ";");
  el.innerHTML = "<table><thead><tr>" + heads.map(h => "<th>" + esc(h) + "</th>").join("") +
    "</tr></thead><tbody>" + rows.map(r => "<tr>" + heads.map(h => "<td>" + esc(r[h]) +
    "</td>").join("") + "</tr>").join("") + "</tbody></table>";
}
let pending = 0;
async function solve() {
  const ticket = ++pending;
  document.body.dataset.ready = "0";
  document.getElementById("status").textContent = "solving...";
  const response = await fetch("/api/solve", {method: "POST", body: JSON.stringify(values())});
  const answer = await response.json();
  if (ticket !== pending) return;  // a later change is under way
  if (!response.ok) {
    document.getElementById("error").textContent = answer.error;
    document.getElementById("status").textContent = "";
  } else {
    document.getElementById("error").textContent = answer.why;
    document.getElementById("status").textContent = "status: " + answer.status +
      (answer.overrides.length ? "; changed: " + answer.overrides.join(", ") : "; the base plan");
    table("figures", answer.figures.map(r => ({"Figure": r.figure, "Base plan": r.base,
      "This plan": r.plan, "Change": r.change})));
    table("racks", answer.racks);
    table("cash", answer.cash);
  }
  document.body.dataset.ready = "1";
}
let timer = null;
function later() { clearTimeout(timer); timer = setTimeout(solve, 400); }
function reset() {
  for (const k of knobs) document.getElementById(k).value = base[k] === null ? "" : base[k];
  document.getElementById("data").value = base.data;
  solve();
}
for (const k of [...knobs, "data"]) document.getElementById(k).addEventListener("input", later);
document.getElementById("solve").addEventListener("click", solve);
document.getElementById("reset").addEventListener("click", reset);
solve();
"""


def page(loaded: LoadedInstance, knobs: tuple[Knob, ...], base: dict[str, Any]) -> str:
    name = html.escape(loaded.instance.name)
    fields = []
    for knob in knobs:
        value = base[knob.name]
        shown = "" if value is None else f"{value:g}"
        fields.append(
            f'<label>{html.escape(knob.words)}<input id="{knob.name}" type="number" '
            f'step="any" value="{shown}"></label>'
        )
    options = "".join(
        f'<option value="{level}"{" selected" if level == base["data"] else ""}>{level}</option>'
        for level in DATA_LEVELS
    )
    fields.append(f'<label>Weakest data basis<select id="data">{options}</select></label>')
    script = SCRIPT % {"knobs": json.dumps([k.name for k in knobs]), "base": json.dumps(base)}
    style = CSS + (
        ".knobs { display: flex; flex-wrap: wrap; gap: 1em; align-items: end; }"
        ".knobs label { display: flex; flex-direction: column; font-size: 0.9em; }"
        ".knobs input, .knobs select { width: 9em; padding: 0.2em; }"
        "#error { color: #b00; } #status { color: #666; }"
    )
    body = (
        f"<h1>What if: {name}</h1>"
        f"<p class='note'>{html.escape(str(loaded.path))}: change a knob and the plan is solved "
        "again (the same rules as <code>plan solve --set</code>); the base plan stays beside it."
        "</p>"
        f"<div class='knobs'>{''.join(fields)}<button id='solve'>Solve</button>"
        "<button id='reset'>Back to the base plan</button></div>"
        "<p id='status'></p><p id='error'></p>"
        "<h2>The plan beside the base plan</h2><div class='scroll' id='figures'></div>"
        "<h2>Racks to buy</h2><div class='scroll' id='racks'></div>"
        "<h2>Cash flow</h2><div class='scroll' id='cash'></div>"
        "<p><a id='download-report' href='/download/report.html'>Download the report</a> · "
        "<a id='download-workbook' href='/download/report.xlsx'>Download the workbook</a> "
        "(of the plan shown)</p>"
        f"<script>{script}</script>"
    )

    return document(f"What if: {loaded.instance.name}", body, style, " data-ready='0'")
