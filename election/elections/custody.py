"""Custody of the ballot box's key, chosen when voting starts (``docs/ballot-box.md``).

* ``server``: the key x is made when voting starts and kept in a file of its own under the
  instance folder (mode 0600; never in the database, never in ``flask backup``); the count
  uses it; certification destroys it — after that nobody can decrypt anything, ever.
* ``tellers`` (k of n): x is dealt with Shamir's scheme and never stored. Each teller's
  share waits in its own file until it is handed out once (a printable sheet and a file,
  with a check code), then the file is gone; the teller confirms with the check code. At
  counting k tellers type their shares, each used in memory for that request only and
  refused unless it matches the teller's public share Y_i.

The public side (Y, the commitments, each Y_i) is :class:`BallotBoxKey` and
:class:`Teller` in the database; the secrets live only in :class:`KeyStore`'s files.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from election import crypto
from election.audit.service import Actor, record
from election.db import utcnow
from election.elections.models import BallotBoxKey, Custody, Election, Teller
from election.errors import N_, Conflict, NotFound, ValidationFailed
from election.verify import CROCKFORD, Context, is_canonical_scalar

#: Tellers: how many at most (one digit on the sheet, a handful of people in the room).
MAX_TELLERS = 9
#: The longest teller's name (the column's length).
MAX_NAME = 200
#: The format of a teller's share file (:func:`share_file`).
SHARE_FORMAT = "rada-sekap/share/v1"


class KeyStore:
    """The ballot box's secrets, in files of their own beside the database — never in it.

    One folder (``<instance>/ballot-box``, mode 0700); one file per secret (mode 0600),
    written atomically; destroyed by overwriting then unlinking.
    """

    def __init__(self, instance_path: str | Path) -> None:
        self.folder = Path(instance_path) / "ballot-box"

    def _path(self, election_id: int, name: str) -> Path:
        return self.folder / f"election-{election_id}-{name}"

    def _write(self, path: Path, data: bytes) -> None:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = path.with_suffix(".new")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, path)

    def _read(self, path: Path) -> bytes | None:
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None

    def _destroy(self, path: Path) -> bool:
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return False
        with open(path, "r+b") as f:  # overwrite first: unlinking alone leaves the bytes
            f.write(bytes(size))
            f.flush()
            os.fsync(f.fileno())
        path.unlink()
        return True

    # The server's key.
    def write_key(self, election_id: int, secret: bytes) -> None:
        self._write(self._path(election_id, "key"), secret)

    def read_key(self, election_id: int) -> bytes | None:
        return self._read(self._path(election_id, "key"))

    def destroy_key(self, election_id: int) -> bool:
        return self._destroy(self._path(election_id, "key"))

    # The tellers' shares, until each is handed out.
    def write_share(self, election_id: int, index: int, share: bytes) -> None:
        self._write(self._path(election_id, f"share-{index}"), share)

    def take_share(self, election_id: int, index: int) -> bytes | None:
        """The share, read once: the file is destroyed as it is read."""
        path = self._path(election_id, f"share-{index}")
        share = self._read(path)
        if share is not None:
            self._destroy(path)
        return share

    def destroy_all(self, election_id: int) -> None:
        for path in self.folder.glob(f"election-{election_id}-*"):
            self._destroy(path)


def check_code(share: bytes) -> str:
    """A short code of a share, printed on its sheet: ``ABCDE-FGHIJ``."""
    value = int.from_bytes(hashlib.sha256(b"rada-sekap/v1/share\0" + share).digest()[:8], "big")
    code = "".join(CROCKFORD[(value >> (59 - 5 * i)) & 31] for i in range(10))
    return f"{code[:5]}-{code[5:]}"


# --- reading ---------------------------------------------------------------------------------


def key_of(session: Session, election: Election) -> BallotBoxKey:
    """The election's key (public side); :class:`NotFound` before voting started."""
    key = session.get(BallotBoxKey, election.id)
    if key is None:
        raise NotFound(N_("Urna tych wyborów nie ma jeszcze klucza: głosowanie się nie zaczęło."))
    return key


def context(key: BallotBoxKey, round_id: int) -> Context:
    """What every proof of the round hashes: the election, the round, the public key."""
    return Context(key.election_id, round_id, key.public_key)


def tellers_of(session: Session, election: Election) -> list[Teller]:
    return list(
        session.scalars(
            select(Teller).where(Teller.election_id == election.id).order_by(Teller.index)
        )
    )


def get_teller(session: Session, election: Election, index: int) -> Teller:
    teller = session.scalar(
        select(Teller).where(Teller.election_id == election.id, Teller.index == index)
    )
    if teller is None:
        raise NotFound(N_("Nie ma takiego członka komisji skrutacyjnej."))
    return teller


# --- setting up: when voting starts ------------------------------------------------------------


@dataclass(frozen=True)
class CustodyChoice:
    """How the key is kept: the server, or ``threshold`` of the named tellers."""

    custody: Custody = Custody.SERVER
    threshold: int | None = None
    teller_names: Sequence[str] = ()

    def check(self) -> None:
        """Raise :class:`ValidationFailed` unless the choice can be dealt."""
        if self.custody is Custody.SERVER:
            return
        names = [n.strip() for n in self.teller_names]
        if not 2 <= len(names) <= MAX_TELLERS or not all(names):
            raise ValidationFailed(
                N_("Podaj od 2 do %(max)s członków komisji skrutacyjnej, każdego z nazwiskiem."),
                max=MAX_TELLERS,
            )
        if any(len(n) > MAX_NAME or not n.isprintable() for n in names):
            raise ValidationFailed(
                N_(
                    "Imię i nazwisko członka komisji: najwyżej %(max)s znaków,"
                    " bez znaków sterujących."
                ),
                max=MAX_NAME,
            )
        if self.threshold is None or not 1 <= self.threshold <= len(names):
            raise ValidationFailed(
                N_("Liczba potrzebnych udziałów musi wynosić od 1 do %(n)s."), n=len(names)
            )


def set_up(
    session: Session, actor: Actor, election: Election, keys: KeyStore, choice: CustodyChoice
) -> BallotBoxKey:
    """Make the election's key as ``choice`` says; the secret goes to files only.

    Raises :class:`Conflict` if the election already has a key, :class:`ValidationFailed`
    for a choice that cannot be dealt. The caller (starting the vote) commits.
    """
    choice.check()
    if session.get(BallotBoxKey, election.id) is not None:
        raise Conflict(N_("Urna tych wyborów ma już klucz."))
    if choice.custody is Custody.SERVER:
        pair = crypto.new_keypair()
        keys.write_key(election.id, pair.secret)
        key = BallotBoxKey(election_id=election.id, custody=Custody.SERVER, public_key=pair.public)
        session.add(key)
        session.flush()
        record(
            session,
            actor,
            "ballot_box.key_made",
            election,
            custody="server",
            public_key=pair.public.hex(),
        )
        return key
    names = [n.strip() for n in choice.teller_names]
    dealing = crypto.deal(choice.threshold or 1, len(names))
    key = BallotBoxKey(
        election_id=election.id,
        custody=Custody.TELLERS,
        public_key=dealing.public,
        threshold=choice.threshold,
        tellers=len(names),
        commitments=[c.hex() for c in dealing.commitments],
    )
    session.add(key)
    for index, name in enumerate(names, 1):
        share = dealing.shares[index]
        keys.write_share(election.id, index, share)
        session.add(
            Teller(
                election_id=election.id,
                index=index,
                name=name,
                public_share=crypto.base(share),
                check_code=check_code(share),
            )
        )
    session.flush()
    record(
        session,
        actor,
        "ballot_box.key_dealt",
        election,
        custody="tellers",
        public_key=dealing.public.hex(),
        threshold=choice.threshold,
        tellers=names,
        commitments=key.commitments,
    )
    return key


@dataclass(frozen=True)
class ShareSheet:
    """What a teller takes home: shown and downloadable once."""

    election_id: int
    index: int
    name: str
    share: str
    check_code: str
    threshold: int
    tellers: int


def hand_out(
    session: Session, actor: Actor, election: Election, keys: KeyStore, index: int
) -> ShareSheet:
    """Give teller ``index`` their share — once: the share's file is destroyed as it is read.

    The teller's row is re-read under its lock first, so two clicks cannot both read
    the share. Raises :class:`Conflict` if it was handed out already.
    """
    teller = get_teller(session, election, index)
    teller = session.scalars(
        select(Teller)
        .where(Teller.id == teller.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    key = key_of(session, election)
    if teller.handed_out_at is not None:
        raise Conflict(
            N_("Udział tego członka komisji został już wydany; nie ma go już w systemie.")
        )
    share = keys.take_share(election.id, index)
    if share is None:
        raise Conflict(N_("Udziału tego członka komisji nie ma już w systemie."))
    teller.handed_out_at = utcnow()
    session.flush()
    record(session, actor, "ballot_box.share_handed_out", election, teller=index)
    _note_destroyed(session, key, keys)
    return ShareSheet(
        election.id,
        index,
        teller.name,
        share.hex(),
        teller.check_code,
        key.threshold or 1,
        key.tellers or 1,
    )


def share_file(sheet: ShareSheet, title: str) -> str:
    """The teller's file: the share with what identifies it (JSON, :data:`SHARE_FORMAT`).

    :func:`read_share` takes the file's text as it is, or the share alone.
    """
    content = {
        "format": SHARE_FORMAT,
        "election": {"id": sheet.election_id, "title": title},
        "teller": {"index": sheet.index, "name": sheet.name},
        "threshold": sheet.threshold,
        "tellers": sheet.tellers,
        "share": sheet.share,
        "check_code": sheet.check_code,
    }
    return json.dumps(content, ensure_ascii=False, indent=2) + "\n"


def _share_text(election: Election, index: int, text: str) -> str:
    """The share's hex from a share file's text (or ``text`` itself when it is no file).

    Raises :class:`ValidationFailed` for a file of another election or teller.
    """
    if not text.lstrip().startswith("{"):
        return text
    of_election: object = None
    of_teller: object = None
    share: object = None
    try:
        content = json.loads(text)
        ok = content["format"] == SHARE_FORMAT
        of_election, of_teller = content["election"]["id"], content["teller"]["index"]
        share = content["share"]
    except (ValueError, KeyError, TypeError):
        ok = False
    if not ok or not isinstance(share, str):
        raise ValidationFailed(N_("To nie jest plik udziału członka komisji skrutacyjnej."))
    if of_election != election.id:
        raise ValidationFailed(N_("Ten plik udziału należy do innych wyborów."))
    if of_teller != index:
        raise ValidationFailed(
            N_("Ten udział nie należy do członka komisji nr %(index)s."), index=index
        )
    return share


def confirm(session: Session, actor: Actor, election: Election, index: int, code: str) -> Teller:
    """The teller confirms they hold their share by typing its check code."""
    teller = get_teller(session, election, index)
    if teller.handed_out_at is None:
        raise Conflict(N_("Najpierw wydaj członkowi komisji jego udział."))
    if code.strip().upper().replace(" ", "") != teller.check_code:
        raise ValidationFailed(N_("Kod kontrolny nie zgadza się z wydanym udziałem."))
    if teller.confirmed_at is None:
        teller.confirmed_at = utcnow()
        session.flush()
        record(session, actor, "ballot_box.share_confirmed", election, teller=index)
    return teller


def read_share(session: Session, election: Election, index: int, text: str) -> bytes:
    """A share typed (hex) or uploaded by teller ``index`` (the share file's text, see
    :func:`share_file`), checked against Y_i.

    The share is returned for the caller to use in memory at once; it is never stored.
    Raises :class:`ValidationFailed` for anything that is not that teller's share.
    """
    teller = get_teller(session, election, index)
    cleaned = "".join(_share_text(election, index, text).split()).lower()
    try:
        share = bytes.fromhex(cleaned)
    except ValueError:
        share = b""
    if len(share) != 32 or not is_canonical_scalar(share):
        raise ValidationFailed(N_("To nie jest udział: oczekiwano 64 znaków szesnastkowych."))
    key = key_of(session, election)
    commitments = [bytes.fromhex(c) for c in key.commitments]
    if not crypto.share_matches(commitments, teller.index, share):
        raise ValidationFailed(
            N_("Ten udział nie należy do członka komisji nr %(index)s."), index=teller.index
        )
    return share


def server_key(election: Election, keys: KeyStore) -> bytes:
    """The server's secret, for counting; :class:`Conflict` if it is gone."""
    secret = keys.read_key(election.id)
    if secret is None:
        raise Conflict(N_("Klucza urny nie ma już na serwerze; tej tury nie można policzyć."))
    return secret


def destroy(session: Session, actor: Actor, election: Election, keys: KeyStore) -> None:
    """Destroy what is left of the secret (at certification): nobody decrypts ever again."""
    key = session.get(BallotBoxKey, election.id)
    keys.destroy_all(election.id)
    if key is not None and key.destroyed_at is None:
        key.destroyed_at = utcnow()
        session.flush()
        record(session, actor, "ballot_box.key_destroyed", election, custody=key.custody.value)


def _note_destroyed(session: Session, key: BallotBoxKey, keys: KeyStore) -> None:
    """Tellers: once the last share left the server, nothing of x remains anywhere."""
    with contextlib.suppress(FileNotFoundError):
        if any(keys.folder.glob(f"election-{key.election_id}-share-*")):
            return
    if key.destroyed_at is None:
        key.destroyed_at = utcnow()
        session.flush()
