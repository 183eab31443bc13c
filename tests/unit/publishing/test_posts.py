"""The posts' HTML: Moodle's table classes, no repeated captions, phone-sized tables,
links to check the election, the audit head, Polish numbers and plurals."""

import re

import pytest

from election.publishing import posts


def _results(**kwargs):
    defaults = {
        "has_protocol": True,
        "links": posts.Links.of("https://wybory.example.pl/", 7),
        "audit_head": "a" * 64,
    }
    return posts.results_message(
        "Wybory",
        [
            posts.CouncilRow("Maria Nowak", "Dyrektor", "Przewodniczący Rady"),
            posts.CouncilRow("Jan Kos", "Wójt", "Gminy", "Gmina Kozy"),
        ],
        [
            posts.GroupResult(
                "Gminy",
                roll=10,
                rounds=[
                    posts.RoundResult(
                        1,
                        22,
                        1,
                        5,
                        [posts.VoteRow("Jan Kos", 5, True), posts.VoteRow("Ola Wrona", 3, False)],
                    )
                ],
            )
        ],
        **{**defaults, **kwargs},
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0 kart"),
        (1, "1 kartę"),
        (2, "2 karty"),
        (4, "4 karty"),
        (5, "5 kart"),
        (12, "12 kart"),
        (22, "22 karty"),
        (25, "25 kart"),
        (12345, "12\xa0345 kart"),
    ],
)
def test_numbers_and_plurals_follow_polish_rules(value, text):
    assert posts.count(value, "kartę", "karty", "kart") == text


def test_subjects_are_plain_text_on_one_line():
    subject = posts.candidates_subject("Wybory <b>2026</b>\n  & co")
    assert "<" not in subject and ">" not in subject and "\n" not in subject
    assert "&" in subject  # plain text: not escaped into HTML
    assert len(posts.results_subject("x" * 400)) <= 255


def test_candidate_names_are_escaped_in_the_html():
    html = posts.candidates_message(
        "Wybory",
        [("Gminy", [posts.CandidateRow("<script>alert(1)</script>", "Wójt", "Gmina & Co")])],
    )
    assert "<script>" not in html
    assert "&lt;script&gt;" in html and "Gmina &amp; Co" in html
    assert "<h3>Gminy</h3>" in html


def test_the_candidate_list_is_a_two_column_moodle_table_without_a_caption():
    html = posts.candidates_message(
        "Wybory",
        [("Gminy", [posts.CandidateRow("Jan Kos", "Wójt", "Gmina Kozy")])],
        meeting="12.06.2026, Katowice",
        audit_head="b" * 64,
    )
    assert '<table class="generaltable">' in html and "<caption" not in html
    assert html.count("<th ") == 2
    assert "<td><strong>Jan Kos</strong><br>Wójt</td><td>Gmina Kozy</td>" in html
    assert "Zebranie Partnerów: 12.06.2026, Katowice." in html
    assert f"<code>{'b' * 64}</code>" in html


def test_an_empty_group_says_so():
    html = posts.candidates_message("Wybory", [("Powiaty", [])])
    assert "Brak kandydatów w tej grupie." in html


def test_results_list_the_council_and_every_round_in_moodle_tables():
    html = _results()
    assert "<caption" not in html
    assert html.count('<table class="generaltable">') == 1
    # The Council is a list, not a wide table.
    assert "<ol><li><strong>Maria Nowak</strong> — Przewodniczący Rady<br>Dyrektor</li>" in html
    assert "<li><strong>Jan Kos</strong> — Gminy<br>Wójt, Gmina Kozy</li></ol>" in html
    assert "Uprawnionych do głosowania: 10." in html
    assert "Tura 1: oddano 22 karty, w tym 1 papierową i 5 pustych." in html
    assert (
        '<td><strong>Jan Kos</strong></td><td style="text-align: right">5</td><td>tak</td>' in html
    )
    assert '<td>Ola Wrona</td><td style="text-align: right">3</td><td>nie</td>' in html
    assert "W załączniku: protokół z wyborów (PDF)." in html


def test_every_table_of_a_post_fits_a_phone():
    for html in (
        _results(),
        posts.candidates_message("W", [("Gminy", [posts.CandidateRow("A", "B", "C")])]),
    ):
        for head in re.findall(r"<thead>(.*?)</thead>", html):
            assert head.count("<th") <= 3


def test_results_link_the_receipts_and_the_record_and_print_the_audit_head():
    html = _results()
    assert 'href="https://wybory.example.pl/public/elections/7/receipts"' in html
    assert 'href="https://wybory.example.pl/api/v1/elections/7/receipts"' in html
    assert 'href="https://wybory.example.pl/api/v1/elections/7/record.json"' in html
    assert f"<code>{'a' * 64}</code>" in html


def test_without_the_app_address_the_post_has_no_links():
    assert posts.Links.of("", 7) is None
    assert "href=" not in _results(links=None)


def test_a_round_never_decrypted_shows_no_votes_in_the_post():
    html = posts.results_message(
        "Wybory",
        [],
        [
            posts.GroupResult(
                "Powiaty",
                roll=10,
                rounds=[posts.RoundResult(1, 2, 0, None, [], decrypted=False)],
            )
        ],
        has_protocol=False,
        links=posts.Links.of("https://wybory.example.pl/", 7),
        audit_head="a" * 64,
    )
    assert "Tura nieważna" in html and "Głosy" not in html
    assert "pust" not in html  # blank ballots are unknown too
