"""The Polish alphabetical order every list uses."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from election.collation import (
    POLISH_ALPHABET,
    clean_name,
    fold,
    polish_sort_key,
    polish_text_key,
    split_name,
)


def polish_sorted(names: list[str]) -> list[str]:
    return sorted(names, key=polish_sort_key)


# --- person_key ---------------------------------------------------------------------------


def test_fold_handles_letters_without_a_unicode_decomposition():
    assert fold("ŁŁ łł Øø") == "ll ll oo"


def test_polish_alphabet_has_the_letters_in_order():
    assert POLISH_ALPHABET.index("l") + 1 == POLISH_ALPHABET.index("ł")
    assert POLISH_ALPHABET.index("s") + 1 == POLISH_ALPHABET.index("ś")
    assert POLISH_ALPHABET.index("z") + 1 == POLISH_ALPHABET.index("ź")
    assert POLISH_ALPHABET.index("ź") + 1 == POLISH_ALPHABET.index("ż")
    assert POLISH_ALPHABET.endswith("zźż")


@pytest.mark.parametrize(
    "expected",
    [
        # Ł after L (and after every L-word), before M.
        ["Jan Lis", "Jan Lubicz", "Jan Łabędź", "Jan Łukasik", "Jan Mazur"],
        # Ś after S, before T.
        ["Jan Szulc", "Jan Śliwa", "Jan Świątek", "Jan Tomczak"],
        # Ź then Ż after Z.
        ["Jan Zając", "Jan Zyta", "Jan Źrebiec", "Jan Żak", "Jan Żurek"],
        # Ą after A, Ć after C, Ę after E, Ń after N, Ó after O.
        ["Jan Abacki", "Jan Ąbacki", "Jan Bąk"],
        ["Jan Cyran", "Jan Ćwik", "Jan Dudek"],
        ["Jan Ewert", "Jan Ęblerg", "Jan Fijak"],
        ["Jan Nowak", "Jan Nykiel", "Jan Ńam", "Jan Obara"],
        ["Jan Oziębło", "Jan Ólka", "Jan Pawlak"],
        # Inside a word: "Łoś" vs "Łos" vs "Łoza" — ś after s and after the shorter word.
        ["Jan Łos", "Jan Łosik", "Jan Łoś", "Jan Łoza"],
    ],
)
def test_surnames_sort_in_the_polish_alphabet(expected):
    shuffled = expected[:]
    random.Random(7).shuffle(shuffled)
    assert polish_sorted(shuffled) == expected


def test_sorted_by_surname_not_by_first_name():
    names = ["Żaneta Adamska", "Adam Żak", "Bogdan Łęcki", "Łucja Lis"]
    assert polish_sorted(names) == ["Żaneta Adamska", "Łucja Lis", "Bogdan Łęcki", "Adam Żak"]


def test_same_surname_sorts_by_first_names_in_the_polish_alphabet():
    names = ["Łukasz Nowak", "Lucyna Nowak", "Ślęzak Anna Nowak", "Stefan Nowak", "Anna Nowak"]
    assert polish_sorted(names) == [
        "Anna Nowak",
        "Lucyna Nowak",
        "Łukasz Nowak",
        "Stefan Nowak",
        "Ślęzak Anna Nowak",
    ]


def test_case_does_not_change_the_order():
    assert polish_sorted(["jan żak", "JAN ZAJĄC", "Jan Łuk", "jan lis"]) == [
        "jan lis",
        "Jan Łuk",
        "JAN ZAJĄC",
        "jan żak",
    ]


def test_extra_spaces_do_not_change_the_order():
    assert polish_sort_key("  Jan   Żak ")[:4] == polish_sort_key("Jan Żak")[:4]


def test_hyphenated_surname_sorts_after_its_first_part_and_before_longer_words():
    names = ["Anna Nowakowska", "Anna Nowak-Jeziorańska", "Anna Nowak"]
    assert polish_sorted(names) == ["Anna Nowak", "Anna Nowak-Jeziorańska", "Anna Nowakowska"]


def test_foreign_accents_sort_with_their_base_letter():
    # é is an e for sorting (not a Polish ę); ü is a u; ö an o.
    names = ["Jan Müller", "Jan Mueller", "Jan Muszka", "Jan Mętlak", "Jan Mérida"]
    assert polish_sorted(names) == [
        "Jan Mérida",
        "Jan Mętlak",
        "Jan Mueller",
        "Jan Müller",
        "Jan Muszka",
    ]


def test_apostrophes_are_ignored_when_sorting():
    # O'Brien sorts as OBrien: after Obama (a < r), and Oates comes first (a < b).
    assert polish_sorted(["Sean O'Brien", "Sean Obama", "Sean Oates"]) == [
        "Sean Oates",
        "Sean Obama",
        "Sean O'Brien",
    ]


def test_decomposed_letters_sort_like_composed_ones():
    assert polish_sort_key("Jan S\u0301liwa")[:4] == polish_sort_key("Jan Śliwa")[:4]


def test_the_order_is_total_for_names_equal_but_for_case():
    a, b = polish_sort_key("Jan Żak"), polish_sort_key("jan żak")
    assert a != b and a[:4] == b[:4]


def test_a_long_mixed_list_sorts_like_a_polish_dictionary():
    expected = [
        "Alicja Adamczyk",
        "Beata Ąkowska",
        "Celina Cieślak",
        "Damian Ćwiek",
        "Ewa Dąbrowska",
        "Jerzy Lewandowski",
        "Iwona Łazarz",
        "Marek Łukaszewicz",
        "Norbert Mazur",
        "Oskar Nowak",
        "Olga Ńiemiec",
        "Paweł Olszewski",
        "Róża Ósmak",
        "Zenon Sowa",
        "Szymon Szymański",
        "Tomasz Ślusarczyk",
        "Urszula Tracz",
        "Wiesław Zawada",
        "Xawery Źdźbło",
        "Yvonne Żmuda",
    ]
    shuffled = expected[:]
    random.Random(2026).shuffle(shuffled)
    assert polish_sorted(shuffled) == expected


@given(st.lists(st.text(alphabet="aąbcćlłsśzźżAĄŁŚŹŻ ", min_size=1, max_size=12), max_size=15))
def test_sorting_is_deterministic_whatever_the_input_order(names):
    assert polish_sorted(names) == polish_sorted(list(reversed(names)))


def test_split_name_takes_the_last_word_as_the_surname():
    assert split_name("Anna Maria  Nowak-Kowalska") == ("Anna Maria", "Nowak-Kowalska")
    assert split_name("Nowak") == ("", "Nowak")
    assert split_name("   ") == ("", "")


def test_clean_name_composes_characters_and_collapses_spaces():
    assert clean_name("  Jan \t S\u0301liwa ") == "Jan Śliwa"


# --- checks of nomination data ------------------------------------------------------------


def test_partner_names_sort_word_by_word_in_the_polish_alphabet():
    names = ["Gmina Łazy", "Gmina Żarki", "Gmina Lipie", "Gmina Zawiercie", "Gmina Ślemień"]
    assert sorted(names, key=polish_text_key) == [
        "Gmina Lipie",
        "Gmina Łazy",
        "Gmina Ślemień",
        "Gmina Zawiercie",
        "Gmina Żarki",
    ]
