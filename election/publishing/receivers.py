"""What publishing does when a lower feature signals (``election.signals``)."""

from __future__ import annotations


def connect() -> None:
    """Connect publishing's receivers; called once by the app factory."""
