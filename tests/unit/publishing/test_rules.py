import datetime as dt

from election.collation import polish_sort_key
from election.publishing import rules


def test_retry_delay_doubles_from_thirty_seconds_up_to_an_hour():
    delays = [rules.retry_delay(n).total_seconds() for n in range(1, 10)]
    assert delays[:5] == [30, 60, 120, 240, 480]
    assert max(delays) == 3600
    assert rules.retry_delay(1000) == dt.timedelta(hours=1)


def test_a_token_is_shown_by_its_last_four_characters_at_most():
    assert rules.mask_token("0123456789abcdef0123456789abcdef") == "••••cdef"
    assert rules.mask_token("short") == "••••"
    assert rules.mask_token("") == ""


def test_surnames_sort_in_the_polish_alphabet():
    """The posts list people in the app's one collation (``election.collation``)."""
    names = [
        "Ewa Żak",
        "Anna Lis",
        "Łukasz Łada",
        "Piotr Zych",
        "Jan Sowa",
        "Ewa Śliwa",
        "Ola Źrebiec",
    ]
    ordered = sorted(names, key=polish_sort_key)
    assert ordered == [
        "Anna Lis",
        "Łukasz Łada",
        "Jan Sowa",
        "Ewa Śliwa",
        "Piotr Zych",
        "Ola Źrebiec",
        "Ewa Żak",
    ]


def test_subjects_are_plain_text_on_one_line():
    subject = rules.candidates_subject("Wybory <b>2026</b>\n  & co")
    assert "<" not in subject and ">" not in subject and "\n" not in subject
    assert "&" in subject  # plain text: not escaped into HTML
    assert len(rules.results_subject("x" * 400)) <= 255


def test_candidate_names_are_escaped_in_the_html():
    html = rules.candidates_message(
        "Wybory",
        [("Gminy", [rules.CandidateRow("<script>alert(1)</script>", "Wójt", "Gmina & Co")])],
    )
    assert "<script>" not in html
    assert "&lt;script&gt;" in html and "Gmina &amp; Co" in html
    assert "<h3>Gminy</h3>" in html and "<table>" in html


def test_an_empty_group_says_so():
    html = rules.candidates_message("Wybory", [("Powiaty", [])])
    assert "Brak kandydatów w tej grupie." in html


def test_results_list_the_council_and_every_round():
    html = rules.results_message(
        "Wybory",
        [rules.CouncilRow("Maria Nowak", "Dyrektor", "Przewodniczący Rady")],
        [
            rules.GroupResult(
                "Gminy",
                roll=10,
                rounds=[
                    rules.RoundResult(
                        1,
                        9,
                        2,
                        1,
                        [rules.VoteRow("Jan Kos", 5, True), rules.VoteRow("Ola Wrona", 3, False)],
                    )
                ],
            )
        ],
        has_protocol=True,
    )
    assert "Maria Nowak" in html and "Przewodniczący Rady" in html
    assert "Uprawnionych do głosowania: 10" in html
    assert "oddanych kart 9 (w tym papierowych 2), kart pustych 1" in html
    assert "<td>Jan Kos</td><td>5</td><td>tak</td>" in html
    assert "<td>Ola Wrona</td><td>3</td><td>nie</td>" in html
    assert "w załączniku (PDF)" in html
