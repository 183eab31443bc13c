"""Rada SEKAP: the election of the Council for the SEKAP system.

Importing the package loads nothing else: ``python -m election.verify`` must run where
only PyNaCl is installed. The app is built by :func:`create_app` (``election/app.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings from the environment; or, given ``config``, the defaults
    overridden by it (``INSTANCE_PATH`` picks the instance folder)."""
    from election.app import build

    return build(config)
