import datetime as dt

import pytest

from election.elections.rules import (
    MAX_PDF_BYTES,
    motion_adopted,
    pdf_problem,
    quorum_applies,
    quorum_met,
    required_ballots,
    safe_pdf_filename,
    utc_to_warsaw,
    warsaw_to_utc,
)


@pytest.mark.parametrize(
    ("yes", "no", "abstain", "simple", "absolute"),
    [
        (0, 0, 0, False, False),
        (1, 0, 0, True, True),
        (5, 4, 0, True, True),
        (5, 5, 0, False, False),
        (4, 5, 0, False, False),
        (5, 3, 2, True, False),
        (5, 3, 1, True, True),
        (1, 0, 10, True, False),
        (0, 0, 10, False, False),
    ],
)
def test_the_majority_rules_decide_a_motion(yes, no, abstain, simple, absolute):
    assert motion_adopted(yes, no, abstain, "simple") is simple
    assert motion_adopted(yes, no, abstain, "absolute") is absolute


def test_a_majority_rule_must_be_known_and_counts_not_negative():
    with pytest.raises(ValueError):
        motion_adopted(1, 0, 0, "qualified")
    with pytest.raises(ValueError):
        motion_adopted(-1, 0, 0, "simple")


@pytest.mark.parametrize(
    ("data", "name", "problem"),
    [
        (b"", "regulamin.pdf", "pusty"),
        (b"%PDF-" + b"x" * MAX_PDF_BYTES, "regulamin.pdf", "za duży"),
        (b"%PDF-1.7 ...", "regulamin.docx", "rozszerzenie"),
        (b"%PDF-1.7 ...", "regulamin", "rozszerzenie"),
        (b"PK\x03\x04 word document", "regulamin.pdf", "nie jest plik PDF"),
        (b"<html>%PDF-</html>", "regulamin.pdf", "nie jest plik PDF"),
    ],
)
def test_a_bad_regulamin_file_is_named(data, name, problem):
    assert problem in pdf_problem(data, name)


def test_a_pdf_of_exactly_the_limit_passes():
    data = b"%PDF-" + b"x" * (MAX_PDF_BYTES - 5)
    assert pdf_problem(data, "Regulamin.PDF") is None


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("regulamin.pdf", "regulamin.pdf"),
        ("Regulamin wyboru Rady — 2026.PDF", "Regulamin_wyboru_Rady_2026.pdf"),
        ("Zażółć gęślą jaźń Łódź.pdf", "Zazolc_gesla_jazn_Lodz.pdf"),
        ("C:\\Users\\jan\\reg.pdf", "reg.pdf"),
        ("../../etc/passwd", "passwd.pdf"),
        ('a"; filename="evil.exe', "a_filename_evil.exe.pdf"),
        ("ĄĘ.pdf", "AE.pdf"),
        ("....pdf", "regulamin.pdf"),
        ("", "regulamin.pdf"),
        ("\r\nX-Header: 1.pdf", "X-Header_1.pdf"),
    ],
)
def test_download_names_are_header_safe(given, expected):
    assert safe_pdf_filename(given) == expected


def test_warsaw_times_become_utc_in_summer_and_winter():
    summer = warsaw_to_utc(dt.datetime(2026, 6, 2, 12, 0))
    winter = warsaw_to_utc(dt.datetime(2026, 1, 15, 12, 0))
    assert summer == dt.datetime(2026, 6, 2, 10, 0, tzinfo=dt.UTC)
    assert winter == dt.datetime(2026, 1, 15, 11, 0, tzinfo=dt.UTC)
    assert utc_to_warsaw(summer) == dt.datetime(2026, 6, 2, 12, 0)


@pytest.mark.parametrize(
    ("roll", "percent", "required"),
    [(4, 50, 2), (3, 50, 2), (170, 16, 28), (0, 50, 0), (5, 100, 5), (7, 0, 0), (9, None, 0)],
)
def test_the_ballots_a_quorum_requires_round_up(roll, percent, required):
    assert required_ballots(roll, percent) == required
    assert quorum_met(required, roll, percent)
    assert required == 0 or not quorum_met(required - 1, roll, percent)


def test_the_regulamins_waiver_lifts_the_quorum_from_its_attempt_on():
    assert required_ballots(10, 50, attempt=1, waived_from=2) == 5
    assert required_ballots(10, 50, attempt=2, waived_from=2) == 0
    assert quorum_applies(3, None) and not quorum_applies(3, 2)
