"""The README's quick start stays two commands, and it says how to reset the demo and
that ``PORT`` sets the port — in words that match what the scripts and config do."""

import re
from pathlib import Path

from election.config import from_environment

ROOT = Path(__file__).resolve().parents[3]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = README.index(f"## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def _commands(block: str) -> list[str]:
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_the_quick_start_is_exactly_two_commands():
    quick = _section("Quick start")
    first = re.search(r"```sh\n(.*?)```", quick, re.S)
    assert first is not None
    assert [c.split()[0] for c in _commands(first.group(1))] == [
        "scripts/run.sh",
        "scripts/test.sh",
    ]


def test_port_is_documented_and_is_what_the_run_script_reads():
    quick = _section("Quick start")
    assert "`PORT` sets another one" in quick and "PORT=8080 scripts/run.sh" in quick
    run = (ROOT / "scripts" / "run.sh").read_text(encoding="utf-8")
    assert '--port "${PORT:-5000}"' in run


def test_the_reset_deletes_the_database_the_demo_uses_and_its_keys(tmp_path):
    quick = _section("Quick start")
    assert "Resetting the demo" in quick
    reset = re.findall(r"```sh\n(.*?)```", quick, re.S)[1]
    removed = reset.splitlines()[0].split()[2:]
    default = from_environment(str(tmp_path / "instance"), {})["SQLALCHEMY_DATABASE_URI"]
    assert default.endswith("/instance/election.db")
    assert "instance/election.db" in removed and "instance/ballot-box" in removed
    assert reset.splitlines()[1] == "scripts/run.sh"
