"""Regenerate (or check) the example outputs quoted in README.md and docs/*.md.

A quoted output is a fenced block right after a marker line naming its command:

    <!-- generated: plan solve instances/1gw.yaml -->
    ```
    $ plan solve instances/1gw.yaml
    ... what the command prints today ...
    ```

`python docs/examples.py` runs every marked command from the repository root (its files written
to a temporary folder) and rewrites the blocks; `python docs/examples.py --check` exits 1 and
names the blocks whose text differs from what the tool prints now
(tests/test_docs_examples.py runs it). Timings are left out of the quoted text: they are not
the tool's answer (the `time:` line is left out). Warnings (stderr) follow the output, as a
terminal shows them.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
MARKER = re.compile(r"^<!-- generated: (?P<command>.+?) -->\n```[^\n]*\n(?P<body>.*?)^```$",
                    re.MULTILINE | re.DOTALL)  # fmt: skip
TIMES = re.compile(r",? build [\d.]+ s, solve [\d.]+ s")


def run(command: str) -> str:
    """What `command` (a `plan ...` line) prints, run from a scratch copy of the repository's
    layout (instances/, studies/ and tests/data/ linked; outputs/ fresh)."""
    from planner.cli import cli

    args = shlex.split(command)
    assert args[0] == "plan", command
    with tempfile.TemporaryDirectory() as folder:
        for name in ("instances", "studies", "tests"):
            os.symlink(ROOT / name, Path(folder) / name)
        here = Path.cwd()
        os.chdir(folder)
        try:
            result = CliRunner().invoke(cli, args[1:])
        finally:
            os.chdir(here)
    text = TIMES.sub("", result.stdout) + result.stderr
    lines = [line.rstrip() for line in text.splitlines() if not line.startswith("time: ")]
    return "\n".join([f"$ {command}", *lines]) + "\n"


def regenerate(text: str) -> str:
    """`text` with every marked block replaced by its command's output now."""
    return MARKER.sub(
        lambda m: f"<!-- generated: {m['command']} -->\n```\n{run(m['command'])}```",
        text,
    )


def stale() -> list[str]:
    """Files and commands whose quoted output differs from the tool's."""
    out = []
    for path in FILES:
        text = path.read_text()
        for match in MARKER.finditer(text):
            if match["body"] != run(match["command"]):
                out.append(f"{path.relative_to(ROOT)}: {match['command']}")
    return out


def main() -> int:
    if "--check" in sys.argv[1:]:
        found = stale()
        for line in found:
            print(f"stale: {line} (run python docs/examples.py)")
        return 1 if found else 0
    for path in FILES:
        text = path.read_text()
        new = regenerate(text)
        if new != text:
            path.write_text(new)
            print(f"rewrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
