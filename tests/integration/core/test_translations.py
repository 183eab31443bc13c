"""The catalogues are complete: every message of the sources is translated.

The msgids are Polish. English must translate every one; Polish must give its three
plural forms (1 głos, 2 głosy, 5 głosów) for every plural message. A placeholder
changed in a translation would raise at runtime (or show the wrong number), so the
placeholders of every translation must match the msgid's.

``scripts/i18n.sh`` extracts the messages and updates the catalogues; then translate
the new entries in ``translations/*/LC_MESSAGES/messages.po``.
"""

from __future__ import annotations

import ast
import functools
import gettext
import io
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tests.support.web import ROOT

#: The keywords of ``scripts/i18n.sh`` (babel's defaults plus the lazy ones).
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "N_": None}
#: The top-level folders the patterns of ``babel.cfg`` look into.
SOURCE_TREES = {".", "election", "templates"}
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
#: ``{name}`` placeholders, filled in by the browser scripts (``data-msg-*`` attributes).
BRACE_PLACEHOLDER = re.compile(r"\{(\w+)\}")

MessageId = str | tuple[str, ...]


def _key(msgid: MessageId) -> str:
    return msgid[0] if isinstance(msgid, tuple) else msgid


def _in_sources(dirpath: str) -> bool:
    relative = os.path.relpath(dirpath, ROOT)
    return relative.split(os.sep)[0] in SOURCE_TREES


@functools.cache
def source_messages() -> dict[str, MessageId]:
    """The messages of the sources, extracted as ``scripts/i18n.sh`` does."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found: dict[str, MessageId] = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT),
        method_map,
        options_map,
        keywords=KEYWORDS,
        # babel.cfg names only these trees; walking the rest (.venv, data) is slow.
        directory_filter=_in_sources,
    ):
        ids = message if isinstance(message, tuple) else (message,)
        if not ids[0]:
            continue
        # Keep the plural forms: the msgid_plural is part of the entry.
        found[ids[0]] = tuple(i for i in ids if i) if len(ids) > 1 else ids[0]
    return found


@functools.cache
def catalogue(lang: str) -> Catalog:
    with (ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f)


def _entries(lang: str) -> Iterator[Message]:
    for message in catalogue(lang):
        if message.id:
            yield message


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text)) | {
        "{" + name + "}" for name in BRACE_PLACEHOLDER.findall(text)
    }


def test_the_sources_have_messages_to_translate() -> None:
    # Guards the extraction itself: an empty result would make every check below pass.
    messages = source_messages()
    assert len(messages) > 100
    assert "Zaloguj się" in messages
    assert messages["%(num)d Partner"] == ("%(num)d Partner", "%(num)d Partnerów")


@pytest.mark.parametrize("lang", ["en", "pl"])
def test_every_message_of_the_sources_is_in_the_catalogue(lang: str) -> None:
    known = {_key(m.id): m for m in _entries(lang)}
    missing = [msgid for msgid in source_messages() if msgid not in known]
    assert not missing, (
        f"{len(missing)} messages missing from translations/{lang} "
        "(run scripts/i18n.sh, then translate them):\n" + "\n".join(missing)
    )
    changed = [
        msgid
        for msgid, ids in source_messages().items()
        if isinstance(ids, tuple) and known[msgid].id != ids
    ]
    assert not changed, f"plural forms changed in the sources (run scripts/i18n.sh): {changed}"


def test_the_catalogue_declares_the_plural_rules() -> None:
    assert catalogue("en").num_plurals == 2
    assert catalogue("pl").num_plurals == 3
    assert catalogue("pl").plural_expr.replace(" ", "").startswith("n==1?0:")


def test_every_message_has_an_english_translation() -> None:
    untranslated = []
    for message in _entries("en"):
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(s.strip() for s in strings) or message.fuzzy:
            untranslated.append(_key(message.id))
    assert not untranslated, (
        f"{len(untranslated)} messages without English in translations/en:\n"
        + "\n".join(untranslated)
    )


def test_every_polish_plural_has_its_three_forms() -> None:
    incomplete = []
    for message in _entries("pl"):
        if not message.pluralizable:
            continue
        forms = message.string
        if len(forms) != 3 or not all(f.strip() for f in forms) or message.fuzzy:
            incomplete.append(_key(message.id))
    assert not incomplete, (
        "Polish plurals need 3 forms (1 głos / 2 głosy / 5 głosów):\n" + "\n".join(incomplete)
    )


@pytest.mark.parametrize("lang", ["en", "pl"])
def test_translations_keep_the_placeholders_of_the_msgid(lang: str) -> None:
    wrong = []
    for message in _entries(lang):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set().union(*(_placeholders(i) for i in ids))
        for s in strings:
            # An empty Polish singular falls back to the msgid itself.
            if s and _placeholders(s) != expected:
                wrong.append(f"{_key(message.id)!r}: {s!r}")
    assert not wrong, f"placeholders differ in translations/{lang}:\n" + "\n".join(wrong)


def _compiled(lang: str) -> gettext.GNUTranslations:
    buffer = io.BytesIO()
    write_mo(buffer, catalogue(lang))
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


PARTNERS = ("%(num)d Partner", "%(num)d Partnerów")
VOTES = ("%(num)d głos", "%(num)d głosów")


@pytest.mark.parametrize(
    ("lang", "message", "n", "expected"),
    [
        ("pl", PARTNERS, 1, "1 Partner"),
        ("pl", PARTNERS, 2, "2 Partnerzy"),
        ("pl", PARTNERS, 4, "4 Partnerzy"),
        ("pl", PARTNERS, 5, "5 Partnerów"),
        ("pl", PARTNERS, 12, "12 Partnerów"),
        ("pl", PARTNERS, 22, "22 Partnerzy"),
        ("pl", PARTNERS, 25, "25 Partnerów"),
        ("pl", VOTES, 1, "1 głos"),
        ("pl", VOTES, 2, "2 głosy"),
        ("pl", VOTES, 5, "5 głosów"),
        ("pl", VOTES, 0, "0 głosów"),
        ("en", PARTNERS, 1, "1 Partner"),
        ("en", PARTNERS, 5, "5 Partners"),
        ("en", VOTES, 1, "1 vote"),
        ("en", VOTES, 2, "2 votes"),
    ],
)
def test_plural_forms_follow_the_language(
    lang: str, message: tuple[str, str], n: int, expected: str
) -> None:
    text = _compiled(lang).ngettext(*message, n)
    assert text % {"num": n} == expected


# --- the glossary (docs/glossary.md) --------------------------------------------------------

GLOSSARY = ROOT / "docs" / "glossary.md"
#: Modules whose Polish is written out, not translated: the protocol and the LMS posts.
POLISH_ONLY = (
    "election/council/protocol.py",
    "election/council/protocol_council.py",
    "election/council/protocol_people.py",
    "election/publishing/posts.py",
    "election/publishing/content.py",
)


@dataclass(frozen=True)
class Term:
    polish: str
    english: str
    not_polish: tuple[str, ...]
    not_english: tuple[str, ...]


def _variants(cell: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in re.findall(r"`([^`]+)`", cell) if v.strip())


@functools.cache
def glossary() -> tuple[Term, ...]:
    """The rows of the glossary's table: term, translation, and the variants not to write."""
    terms = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or cells[0] in ("polski", "") or set(cells[0]) <= {"-"}:
            continue
        terms.append(Term(cells[0], cells[1], _variants(cells[2]), _variants(cells[3])))
    return tuple(terms)


def _pattern(variant: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(variant)}(?!\w)", re.IGNORECASE)


def off_list(texts: Iterable[tuple[str, str]], english: bool) -> list[str]:
    """``where: variant in "text"`` for every text using a variant the glossary forbids."""
    patterns = [
        (term, variant, _pattern(variant))
        for term in glossary()
        for variant in (term.not_english if english else term.not_polish)
    ]
    found = []
    for where, text in texts:
        words = BRACE_PLACEHOLDER.sub(" ", PLACEHOLDER.sub(" ", text))
        for term, variant, pattern in patterns:
            if pattern.search(words):
                wanted = term.english if english else term.polish
                found.append(f"{where}: “{variant}” (write: {wanted}) in {text[:90]!r}")
    return found


def _strings(ids: MessageId | tuple[str, ...] | str) -> tuple[str, ...]:
    return ids if isinstance(ids, tuple) else (ids,)


def _literals(path: str) -> Iterator[tuple[str, str]]:
    """The string constants of a module (f-strings' fixed parts included), by line."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield f"{path}:{node.lineno}", node.value


def test_the_glossary_lists_the_terms_and_their_wrong_variants() -> None:
    # Guards the parsing: an empty table would make the checks below pass.
    terms = {t.polish: t for t in glossary()}
    assert len(terms) >= 20
    receipt = next(t for t in glossary() if t.polish.startswith("kod pokwitowania"))
    assert "kody potwierdzeń" in receipt.not_polish
    assert "confirmation code" in receipt.not_english
    runoff = next(t for t in glossary() if t.polish.startswith("dogrywka"))
    assert runoff.english == "runoff"
    assert off_list([("x", "Kody potwierdzeń (JSON)")], english=False)
    assert off_list([("x", "Losował(a): Jan")], english=False)
    assert off_list([("x", "an extra round")], english=True)
    assert not off_list([("x", "Kody pokwitowania (JSON)")], english=False)
    # Whole words only: "urn" is not found in "turnout".
    assert not off_list([("x", "turnout")], english=True)


def test_the_sources_follow_the_glossary() -> None:
    messages = [("msgid", text) for ids in source_messages().values() for text in _strings(ids)]
    literals = [item for path in POLISH_ONLY for item in _literals(path)]
    wrong = off_list(messages + literals, english=False)
    assert not wrong, "Polish off the glossary (docs/glossary.md):\n" + "\n".join(wrong)


def test_the_english_translation_follows_the_glossary() -> None:
    texts = [
        (f"msgstr of {_key(m.id)[:40]!r}", s)
        for m in _entries("en")
        for s in _strings(m.string)
        if s
    ]
    wrong = off_list(texts, english=True)
    assert not wrong, "English off the glossary (docs/glossary.md):\n" + "\n".join(wrong)
