"""What people read for the codes of groups, seats and roles — one place for every page,
message, export, LMS post and the protocol.

Keys are the codes' string values, so ``PartnerGroup.GMINA``, ``AppointedSeat.LEADER``
and ``Role.CHAIR`` (string enums) look their labels up directly, without this module
knowing the features that define them. Labels are lazy: they are translated when shown,
in the reader's language (Polish outside a request).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

#: The electoral groups in the order every list shows them.
GROUP_ORDER = ("gmina", "powiat", "miasto_npp")

#: A group, in the plural: a heading or "w grupie …".
GROUP_LABELS = {
    "gmina": _l("gminy"),
    "powiat": _l("powiaty"),
    "miasto_npp": _l("miasta na prawach powiatu"),
}

#: One Partner of the group.
GROUP_LABELS_ONE = {
    "gmina": _l("gmina"),
    "powiat": _l("powiat"),
    "miasto_npp": _l("miasto na prawach powiatu"),
}

#: Who holds a seat of the Council, by seat code (appointed seats and the three groups).
SEAT_LABELS = {
    "chair": _l("Przewodniczący Rady — przedstawiciel Lidera"),
    "leader": _l("przedstawiciel Lidera"),
    "scsi": _l("przedstawiciel ŚCSI"),
    "gmina": _l("przedstawiciel gmin"),
    "powiat": _l("przedstawiciel powiatów"),
    "miasto_npp": _l("przedstawiciel miast na prawach powiatu"),
}

#: The users' roles.
ROLE_LABELS = {
    "admin": _l("administrator"),
    "chair": _l("przewodniczący zebrania"),
    "partner_rep": _l("przedstawiciel Partnera"),
    "observer": _l("obserwator"),
}


def group_order(group: str) -> int:
    """Sort key of a group code: gminy, powiaty, miasta."""
    return GROUP_ORDER.index(group)


def partner_name(name: str, group: str) -> str:
    """A Partner's name as people read it: a powiat by its full name.

    The TERYT register names a powiat by its adjective alone ("będziński"); on a page,
    in a ballot or in the protocol that reads as a stray word, so it becomes
    "Powiat będziński". Any other name, and a powiat already named so, is kept.
    """
    name = " ".join(name.split())
    if group != "powiat" or not name or name.lower().startswith("powiat"):
        return name
    return f"Powiat {name}"
