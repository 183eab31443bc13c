"""Candidates' rules: who a person is, and checks of nomination data."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from election.candidates.rules import (
    MAX_SCAN_BYTES,
    line_problem,
    name_problem,
    person_key,
    safe_filename,
    scan_problem,
    scan_type,
    statement_problem,
)

# --- person_key ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Łukasz  ŻAK", "lukasz zak"),
        ("Łukasz Żak", "  ŁUKASZ\tżak "),
        ("Zofia Śliwińska", "zofia sliwinska"),
        ("Grzegorz Brzęczyszczykiewicz", "GRZEGORZ BRZECZYSZCZYKIEWICZ"),
        ("Ewa Źdźbło", "ewa zdzblo"),
        ("Anna Nowak-Kowalska", "anna nowak-kowalska"),
        # Composed and decomposed forms of the same letters.
        ("Ś\u0301", "s\u0301"),
        ("Ćwik Józef", "C\u0301wik Jo\u0301zef"),
    ],
)
def test_person_key_folds_case_spaces_and_diacritics(a, b):
    assert person_key(a) == person_key(b)


def test_person_key_of_the_example_in_the_task():
    assert person_key("Łukasz  ŻAK") == "lukasz zak"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Jan Kowalski", "Jan Kowalska"),
        ("Anna Nowak", "Anna Nowakowska"),
        ("Jan Kowalski", "Kowalski Jan Maria"),
    ],
)
def test_person_key_keeps_different_people_apart(a, b):
    assert person_key(a) != person_key(b)


@given(st.text(max_size=60))
def test_person_key_is_idempotent_and_never_has_double_spaces(text):
    key = person_key(text)
    assert person_key(key) == key
    assert "  " not in key and key == key.strip()


# --- Polish alphabetical order ------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "Jan Kowalski",
        "Anna Maria Nowak-Kowalska",
        "Łukasz Żak",
        "Sean O'Brien",
        "Jan J. Kowalski",
        "Zofia D’Arc",
    ],
)
def test_good_names_pass(name):
    assert name_problem(name) is None


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        "Kowalski",
        "<b>Jan</b> Kowalski",
        "Jan <script>",
        "Jan Kowalski2",
        "Jan Kowal_ski",
        "Jan ---",
        "Jan Kowalski\x00",
        "Jan " + "x" * 200,
        "Jan -Kowalski",
        "Jan Kowalski;",
    ],
)
def test_bad_names_are_refused_with_a_reason(name):
    assert name_problem(name)


def test_line_problem():
    assert line_problem("Sekretarz Gminy", max_length=200) is None
    assert line_problem("", max_length=200)
    assert line_problem("", max_length=200, required=False) is None
    assert line_problem("x" * 201, max_length=200)
    assert line_problem("<i>Wójt</i>", max_length=200)
    assert line_problem("Wójt\nGminy", max_length=200)


def test_statement_problem_allows_lines_but_not_markup_or_length():
    assert statement_problem("") is None
    assert statement_problem("Linia 1\r\nLinia 2") is None
    assert statement_problem("x" * 1000) is None
    assert statement_problem("x" * 1001)
    assert statement_problem("<a href=x>klik</a>")
    assert statement_problem("tekst\x07")


PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


@pytest.mark.parametrize(
    ("data", "media_type"),
    [(PDF, "application/pdf"), (JPEG, "image/jpeg"), (PNG, "image/png")],
)
def test_scans_are_recognised_by_their_first_bytes(data, media_type):
    assert scan_type(data) == media_type
    assert scan_problem(data) is None


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"<html><body>zgoda</body></html>",
        b"PK\x03\x04 a docx",
        b"GIF89a",
        b" %PDF-1.7",
        b"MZ\x90\x00",
    ],
)
def test_other_files_are_not_scans(data):
    assert scan_problem(data)


def test_scan_of_exactly_five_megabytes_passes_and_one_byte_more_does_not():
    assert scan_problem(PDF + b"0" * (MAX_SCAN_BYTES - len(PDF))) is None
    assert scan_problem(PDF + b"0" * (MAX_SCAN_BYTES - len(PDF) + 1))


@pytest.mark.parametrize(
    ("filename", "media_type", "expected"),
    [
        ("zgoda.pdf", "application/pdf", "zgoda.pdf"),
        ("../../etc/passwd", "application/pdf", "passwd.pdf"),
        ("C:\\Users\\jan\\skan zgody.JPG", "image/jpeg", "skan zgody.jpg"),
        ('zgoda"; x=.png', "image/png", "zgoda_ x.png"),
        ("", "image/png", "zgoda.png"),
        (None, "application/pdf", "zgoda.pdf"),
        ("zgoda.exe", "application/pdf", "zgoda.pdf"),
        ("zgoda Łukasza.pdf", "application/pdf", "zgoda Łukasza.pdf"),
    ],
)
def test_safe_filename(filename, media_type, expected):
    assert safe_filename(filename, media_type) == expected
