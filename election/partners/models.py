"""The Partner register."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from election.db import Base, UTCDateTime, enum_type, utcnow


class PartnerGroup(enum.StrEnum):
    """The three electoral groups; each elects its own members."""

    GMINA = "gmina"
    POWIAT = "powiat"
    MIASTO_NPP = "miasto_npp"


class Partner(Base):
    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: TERC code: WWPPGGR for a gmina or city, WWPP for a powiat.
    teryt: Mapped[str] = mapped_column(String(7), unique=True)
    group: Mapped[PartnerGroup] = mapped_column(enum_type(PartnerGroup, "partner_group"))
    #: Register's description, e.g. "gmina wiejska".
    kind: Mapped[str] = mapped_column(String(60), default="")
    #: Date the cooperation agreement was signed; empty: not yet a Partner.
    agreement_signed_on: Mapped[dt.date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    def is_eligible(self, cutoff: dt.date) -> bool:
        """Active and signed the agreement on or before ``cutoff``."""
        return (
            self.active
            and self.agreement_signed_on is not None
            and self.agreement_signed_on <= cutoff
        )

    def __repr__(self) -> str:
        return f"<Partner {self.teryt} {self.name}>"


#: The groups in the order every list shows them (gminy, powiaty, miasta).
GROUPS = tuple(PartnerGroup)
