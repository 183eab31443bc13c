"""Polish alphabetical order and the folding of names: one collation for every list.

The register, the voter roll, the candidate lists, the results, the LMS posts and the
protocol all sort with these keys, so a list reads the same everywhere and the same on
SQLite and PostgreSQL (whose collations differ). Standard library only.
"""

from __future__ import annotations

import unicodedata

#: The Polish alphabet in order: each letter with a diacritic is a letter of its own,
#: sorted right after its base (Ł after L, Ś after S, Ź then Ż after Z). Q, V and X
#: are not Polish letters but appear in names, so they keep their Latin places.
POLISH_ALPHABET = "aąbcćdeęfghijklłmnńoópqrsśtuvwxyzźż"
_LETTER_RANK = {letter: rank for rank, letter in enumerate(POLISH_ALPHABET)}

#: Letters that Unicode does not decompose into a base and a mark.
_NO_DECOMPOSITION = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D"})

#: Characters that join parts of a name and sort before any letter ("Nowak" <
#: "Nowak-Adamska" < "Nowakowska"): spaces and hyphens.
_SEPARATORS = frozenset(" -‐‑–")
#: Characters that do not count when sorting (O'Brien sorts as OBrien).
_IGNORED = frozenset("'’.")

#: Weight of a separator (below every letter and digit).
_SEPARATOR_WEIGHT = 0
_DIGIT_BASE = 1
_LETTER_BASE = 20
_OTHER_BASE = 100


def collapse_spaces(text: str) -> str:
    """Single spaces between words, none at either end."""
    return " ".join(text.split())


def clean_name(full_name: str) -> str:
    """A name as stored: composed characters (NFC), single spaces."""
    return collapse_spaces(unicodedata.normalize("NFC", full_name))


def fold(text: str) -> str:
    """Lower case, single spaces, without diacritics ("Łukasz  ŻAK" → "lukasz zak")."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_NO_DECOMPOSITION))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return collapse_spaces(bare.casefold())


def split_name(full_name: str) -> tuple[str, str]:
    """``(first names, surname)``: the surname is the last word (it may be hyphenated)."""
    words = full_name.split()
    if not words:
        return "", ""
    return " ".join(words[:-1]), words[-1]


def _char_weights(ch: str) -> tuple[int, int]:
    """(primary, secondary) weight of one lower-case character.

    Polish letters have a primary weight each. A foreign letter with a diacritic
    (é, ü, ö) sorts with its base letter, after the bare letter (secondary weight).
    """
    rank = _LETTER_RANK.get(ch)
    if rank is not None:
        return _LETTER_BASE + rank, 0
    if ch in _SEPARATORS:
        return _SEPARATOR_WEIGHT, 0
    if ch.isdigit() and ch.isascii():
        return _DIGIT_BASE + int(ch), 0
    base = unicodedata.normalize("NFKD", ch.translate(_NO_DECOMPOSITION))[:1]
    rank = _LETTER_RANK.get(base)
    if rank is not None:
        return _LETTER_BASE + rank, 1 + ord(ch)
    return _OTHER_BASE + ord(ch), 0


def _word_key(text: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    primary: list[int] = []
    secondary: list[int] = []
    # NFC first: a name typed with combining marks ("S" + U+0301) is still "Ś".
    for ch in unicodedata.normalize("NFC", collapse_spaces(text)).lower():
        if ch in _IGNORED:
            continue
        p, s = _char_weights(ch)
        primary.append(p)
        secondary.append(s)
    return tuple(primary), tuple(secondary)


def polish_sort_key(full_name: str) -> tuple[object, ...]:
    """Sort key: surname, then first names, in the Polish alphabet.

    Letters are compared first ignoring case and foreign accents; ties are then broken
    by accents, then by the exact text, so the order is total and stable.
    """
    first, surname = split_name(collapse_spaces(full_name))
    surname_primary, surname_secondary = _word_key(surname)
    first_primary, first_secondary = _word_key(first)
    return (
        surname_primary,
        first_primary,
        surname_secondary,
        first_secondary,
        collapse_spaces(full_name),
        full_name,
    )


def polish_text_key(text: str) -> tuple[object, ...]:
    """Sort key of any text (a Partner's name) in the Polish alphabet, word by word."""
    primary, secondary = _word_key(text)
    return primary, secondary, collapse_spaces(text), text
