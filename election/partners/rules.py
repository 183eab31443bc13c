"""TERYT codes and reading the Partner lists administrators really have."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from election.errors import N_
from election.partners.models import PartnerGroup

GROUP_ALIASES = {
    "gmina": PartnerGroup.GMINA,
    "gminy": PartnerGroup.GMINA,
    "powiat": PartnerGroup.POWIAT,
    "powiaty": PartnerGroup.POWIAT,
    "miasto_npp": PartnerGroup.MIASTO_NPP,
    "miasto npp": PartnerGroup.MIASTO_NPP,
    "miasto na prawach powiatu": PartnerGroup.MIASTO_NPP,
    "miasta na prawach powiatu": PartnerGroup.MIASTO_NPP,
}


def teryt_problem(teryt: str, group: PartnerGroup) -> str | None:
    """Why ``teryt`` is not a valid TERC code of a Partner of ``group``, or ``None``.

    WWPPGGR for a gmina or a city (R 1–3), WWPP for a powiat; a county number PP of
    61 or more belongs to a miasto na prawach powiatu.
    """
    if not teryt.isdigit() or not teryt.isascii():
        return N_("Kod TERYT może zawierać tylko cyfry.")
    if group == PartnerGroup.POWIAT:
        if len(teryt) != 4:
            return N_("Kod TERYT powiatu ma 4 cyfry (WWPP).")
    elif len(teryt) != 7:
        return N_("Kod TERYT gminy lub miasta ma 7 cyfr (WWPPGGR).")
    voivodeship, county = int(teryt[0:2]), int(teryt[2:4])
    if voivodeship < 2 or voivodeship > 32 or voivodeship % 2:
        return N_("Kod TERYT zaczyna się od nieistniejącego województwa.")
    if county == 0:
        return N_("Kod TERYT ma nieprawidłowy numer powiatu.")
    if len(teryt) == 7:
        if teryt[6] not in "123":
            return N_("Ostatnia cyfra kodu TERYT gminy musi być 1, 2 lub 3.")
        if teryt[4:6] == "00":
            return N_("Kod TERYT ma nieprawidłowy numer gminy.")
    city = county >= 61
    if group == PartnerGroup.MIASTO_NPP and not city:
        return N_("Miasto na prawach powiatu ma numer powiatu 61 lub wyższy.")
    if group == PartnerGroup.GMINA and city:
        return N_("Kod z numerem powiatu 61 lub wyższym należy do miasta na prawach powiatu.")
    if group == PartnerGroup.POWIAT and city:
        return N_("Kod z numerem powiatu 61 lub wyższym należy do miasta na prawach powiatu.")
    return None


@dataclass
class PartnerRow:
    line: int
    teryt: str
    name: str
    group: PartnerGroup
    kind: str = ""
    agreement_signed_on: dt.date | None = None
    email: str | None = None


@dataclass
class RowError:
    line: int
    message: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass
class ParsedFile:
    rows: list[PartnerRow]
    errors: list[RowError]


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1250 — what spreadsheets export."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1250")


def _parse_date(value: str) -> dt.date:
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y", "%Y.%m.%d"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(value)


HEADER_ALIASES = {
    "group": "group",
    "grupa": "group",
    "teryt": "teryt",
    "kod teryt": "teryt",
    "kod": "teryt",
    "name": "name",
    "nazwa": "name",
    "kind": "kind",
    "rodzaj": "kind",
    "agreement_signed_on": "agreement_signed_on",
    "data umowy": "agreement_signed_on",
    "data podpisania umowy": "agreement_signed_on",
    "email": "email",
    "e-mail": "email",
}

MAX_ROWS = 5000


@dataclass
class Records:
    """The data rows of a CSV file: each with its line number and its cells by column
    (spaces collapsed; ``""`` for a missing cell), and what made lines unreadable."""

    rows: list[tuple[int, dict[str, str]]]
    errors: list[RowError]


def read_csv(
    data: bytes,
    aliases: dict[str, str],
    required: tuple[str, ...],
) -> Records:
    """Read a CSV file the way administrators' spreadsheets write it: comma or semicolon,
    UTF-8 (with or without BOM) or Windows-1250, headers named by ``aliases`` (lower
    case) — the ``required`` columns must be there. Empty lines are skipped; at most
    :data:`MAX_ROWS` rows are read. Every problem is reported with its line number;
    nothing is judged beyond the format."""
    if b"\x00" in data[:4096]:
        return Records([], [RowError(0, N_("To nie jest plik CSV (plik binarny)."))])
    try:
        text = decode(data)
    except UnicodeDecodeError:
        return Records([], [RowError(0, N_("Nie można odczytać kodowania pliku."))])
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        return Records([], [RowError(1, N_("Plik jest pusty albo nie ma nagłówka."))])
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except (StopIteration, csv.Error):
        return Records([], [RowError(1, N_("Plik jest pusty albo nie ma nagłówka."))])
    columns = {aliases[h]: i for i, h in enumerate(header) if h in aliases}
    missing = [c for c in required if c not in columns]
    if missing:
        return Records(
            [], [RowError(1, N_("Brak kolumn: %(columns)s."), {"columns": ", ".join(missing)})]
        )
    rows: list[tuple[int, dict[str, str]]] = []
    errors: list[RowError] = []
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(rows) >= MAX_ROWS:
                errors.append(RowError(line, N_("Plik ma za dużo wierszy (najwyżej 5000).")))
                break
            cells = {
                name: " ".join(record[index].split()) if index < len(record) else ""
                for name, index in columns.items()
            }
            rows.append((line, cells))
    except csv.Error:
        errors.append(RowError(reader.line_num, N_("Nieprawidłowy format CSV.")))
    return Records(rows, errors)


def parse_partner_csv(data: bytes) -> ParsedFile:
    """Read a Partner list; every bad row is reported with its line number."""
    records = read_csv(data, HEADER_ALIASES, ("group", "teryt", "name"))
    rows: list[PartnerRow] = []
    errors: list[RowError] = list(records.errors)
    seen: dict[str, int] = {}
    for line, cells in records.rows:

        def cell(name: str, cells: dict[str, str] = cells) -> str:
            return cells.get(name, "")

        group = GROUP_ALIASES.get(cell("group").lower())
        teryt, name = cell("teryt"), cell("name")
        if group is None:
            errors.append(
                RowError(line, N_("Nieznana grupa „%(value)s”."), {"value": cell("group")[:40]})
            )
            continue
        if not name:
            errors.append(RowError(line, N_("Brak nazwy.")))
            continue
        if len(name) > 200 or any(ch in name for ch in "<>"):
            errors.append(RowError(line, N_("Nieprawidłowa nazwa.")))
            continue
        problem = teryt_problem(teryt, group)
        if problem:
            errors.append(RowError(line, problem))
            continue
        if teryt in seen:
            errors.append(
                RowError(
                    line,
                    N_("Kod TERYT %(teryt)s powtarza się (wiersz %(first)s)."),
                    {"teryt": teryt, "first": str(seen[teryt])},
                )
            )
            continue
        seen[teryt] = line
        signed: dt.date | None = None
        if cell("agreement_signed_on"):
            try:
                signed = _parse_date(cell("agreement_signed_on"))
            except ValueError:
                errors.append(RowError(line, N_("Nieprawidłowa data umowy.")))
                continue
        email = cell("email") or None
        if email and not email_ok(email):
            errors.append(RowError(line, N_("Nieprawidłowy adres e-mail.")))
            continue
        rows.append(PartnerRow(line, teryt, name, group, cell("kind")[:60], signed, email))
    errors.sort(key=lambda e: e.line)
    return ParsedFile(rows, errors)


def email_ok(email: str) -> bool:
    """A plausible address: one ``@`` with text on both sides, no spaces, not too long."""
    local, at, domain = email.partition("@")
    return bool(at and local and domain) and len(email) <= 254 and " " not in email


# --- representatives' invitations ------------------------------------------------------------

REP_HEADER_ALIASES = {
    "email": "email",
    "e-mail": "email",
    "adres e-mail": "email",
    "name": "name",
    "full_name": "name",
    "imię i nazwisko": "name",
    "imie i nazwisko": "name",
    "przedstawiciel": "name",
    "teryt": "teryt",
    "kod teryt": "teryt",
    "kod": "teryt",
}


@dataclass
class RepRow:
    """One representative to invite: the address (lower case), the name and the TERYT
    code of the Partner they represent."""

    line: int
    email: str
    full_name: str
    teryt: str


@dataclass
class ParsedReps:
    rows: list[RepRow]
    errors: list[RowError]


def parse_rep_csv(data: bytes) -> ParsedReps:
    """Read a list of representatives (email, name, TERYT); every bad row is reported
    with its line number. Whether the Partner and the address exist is the service's
    to check (:func:`election.partners.reps.import_reps`)."""
    records = read_csv(data, REP_HEADER_ALIASES, ("email", "name", "teryt"))
    rows: list[RepRow] = []
    errors: list[RowError] = list(records.errors)
    seen: dict[str, int] = {}
    for line, cells in records.rows:
        email, name, teryt = cells["email"].lower(), cells["name"], cells["teryt"]
        if not email_ok(email):
            errors.append(RowError(line, N_("Nieprawidłowy adres e-mail.")))
            continue
        if len(name.split(" ")) < 2 or len(name) > 200 or any(ch in name for ch in "<>"):
            errors.append(RowError(line, N_("Podaj imię i nazwisko przedstawiciela.")))
            continue
        if not (teryt.isascii() and teryt.isdigit() and len(teryt) in (4, 7)):
            errors.append(RowError(line, N_("Kod TERYT ma 4 cyfry (powiat) albo 7 cyfr.")))
            continue
        if email in seen:
            errors.append(
                RowError(
                    line,
                    N_("Adres %(email)s powtarza się (wiersz %(first)s)."),
                    {"email": email, "first": str(seen[email])},
                )
            )
            continue
        seen[email] = line
        rows.append(RepRow(line, email, name, teryt))
    errors.sort(key=lambda e: e.line)
    return ParsedReps(rows, errors)
