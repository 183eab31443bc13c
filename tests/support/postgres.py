"""Real servers for the fault tests: gunicorn processes and a private PostgreSQL cluster.

These tests pick their own databases (a temporary SQLite file, a PostgreSQL cluster of
their own that they may stop and start), so they never disturb the suite's database.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.support.servers import PG_BIN


@dataclass
class PrivatePostgres:
    directory: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.directory),
                *args,
            ],
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        self._ctl(
            "-o",
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.directory}",
            "-l",
            str(self.directory / "log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        self._ctl("-m", "fast", "-w", "stop")
