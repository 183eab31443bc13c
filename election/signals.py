"""Signals: how a lower feature lets a higher one react, without importing it.

The one mechanism for what travels upward through the layers (``docs/architecture.md``).
A service sends a signal *inside* its transaction, with the session as sender; the
receivers, connected by the higher features' ``init_app``, act in the same
transaction — their writes commit or roll back with the action that caused them.
They must not commit, and what they send to the outside world waits for the commit
(:func:`election.transaction.after_commit`).

Built on blinker, which Flask already ships. Every signal's keyword arguments are
listed with it.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: The candidate list of an election was published. ``election`` (the Election).
candidates_published = _signals.signal("candidates-published")

#: A round started taking ballots. ``actor`` (the Actor), ``round`` (the Round).
round_opened = _signals.signal("round-opened")

#: A round stopped taking ballots. ``actor`` (the Actor), ``round`` (the Round).
round_closed = _signals.signal("round-closed")

#: The Council of an election was certified. ``actor``, ``election``.
council_certified = _signals.signal("council-certified")

#: Data shown in a published post changed (title, place, a candidate, the Council).
#: ``actor``, ``election``, ``what`` (a short code for the audit log).
published_data_changed = _signals.signal("published-data-changed")
