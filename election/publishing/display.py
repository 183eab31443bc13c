"""How a publication's state reads, for the publishing page and ``flask lms status``.

Message ids (Polish, marked with ``N_``), translated where they are shown.
"""

from __future__ import annotations

from election.errors import N_
from election.publishing.models import (
    DeliveryAction,
    Publication,
    PublicationKind,
    PublicationStatus,
)

KIND_LABELS = {
    PublicationKind.CANDIDATES: N_("lista kandydatów"),
    PublicationKind.RESULTS: N_("wyniki i skład Rady"),
}

STATUS_LABELS = {
    PublicationStatus.PENDING: N_("oczekuje na wysłanie"),
    PublicationStatus.SENT: N_("wysłano"),
    PublicationStatus.FAILED: N_("błąd — ponowi"),
}

ACTION_LABELS = {
    DeliveryAction.CREATED: N_("opublikowano"),
    DeliveryAction.UPDATED: N_("zaktualizowano"),
    DeliveryAction.MOVED: N_("opublikowano na nowo w kursie z ustawień"),
}

#: What changed, by the code sent with ``election.signals.published_data_changed``.
CHANGE_LABELS = {
    "election.updated": N_("zmieniono dane wyborów"),
    "council.changed": N_("zmieniono skład Rady"),
    "candidates.changed": N_("zmieniono listę kandydatów"),
}


def state(publication: Publication) -> str:
    """The post's state in a few words: "nieaktualny → aktualizowanie", "zaktualizowano" …"""
    if publication.status == PublicationStatus.SENT:
        if publication.last_action is None:
            return STATUS_LABELS[PublicationStatus.SENT]
        return ACTION_LABELS[publication.last_action]
    if publication.outdated_by:
        if publication.status == PublicationStatus.FAILED:
            return N_("nieaktualny → aktualizacja nie powiodła się, ponowi")
        return N_("nieaktualny → aktualizowanie")
    if publication.status == PublicationStatus.PENDING and publication.discussion_id is not None:
        return N_("aktualizowanie")
    return STATUS_LABELS[publication.status]


def action_label(action: str) -> str:
    """What a delivery did ("created" …) in words (a message id)."""
    known = {member.value: label for member, label in ACTION_LABELS.items()}
    return known.get(action, action)


def change_label(what: str | None) -> str:
    """What made the post out of date (a message id, or the code itself)."""
    return CHANGE_LABELS.get(what or "", what or "")
