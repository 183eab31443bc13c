import pytest

from election.partners.models import PartnerGroup
from election.partners.rules import decode, parse_partner_csv, parse_rep_csv, teryt_problem

G, P, M = PartnerGroup.GMINA, PartnerGroup.POWIAT, PartnerGroup.MIASTO_NPP


@pytest.mark.parametrize(
    ("teryt", "group"),
    [("2401011", G), ("2401042", G), ("2417063", G), ("2401", P), ("2417", P), ("2469011", M)],
)
def test_real_silesian_codes_are_valid(teryt, group):
    assert teryt_problem(teryt, group) is None


@pytest.mark.parametrize(
    ("teryt", "group"),
    [
        ("240101", G),  # six digits
        ("24010111", G),  # eight
        ("2401014", G),  # R outside 1-3
        ("2401010", G),
        ("24O1011", G),  # letter O
        ("２４０１０１１", G),  # full-width digits
        ("240", P),
        ("2401011", P),  # a gmina code for a powiat
        ("2461", P),  # a city county for a powiat
        ("2469011", G),  # a city for a gmina
        ("2401011", M),  # a gmina for a city
        ("2500011", G),  # county 00
        ("3301011", G),  # no voivodeship 33
        ("2401001", G),  # gmina 00
        ("", G),
    ],
)
def test_bad_codes_are_refused_with_a_reason(teryt, group):
    assert teryt_problem(teryt, group)


def test_decoding_accepts_utf8_bom_and_windows_1250():
    text = "Bielsko-Biała;Świętochłowice;Żory"
    assert decode(text.encode("utf-8")) == text
    assert decode(b"\xef\xbb\xbf" + text.encode("utf-8")) == text
    assert decode(text.encode("cp1250")) == text


def test_semicolons_bom_cp1250_and_stray_spaces_are_read():
    data = (
        "  grupa ; kod teryt ;  nazwa ; data umowy\r\n"
        " gmina ;  2401011 ;  Będzin  ; 12.03.2014\r\n"
        "miasto na prawach powiatu;2476011;Świętochłowice;\r\n"
        "powiat;2417;żywiecki;2019-05-01\r\n"
    ).encode("cp1250")
    parsed = parse_partner_csv(data)
    assert parsed.errors == []
    assert [(r.group, r.teryt, r.name) for r in parsed.rows] == [
        (G, "2401011", "Będzin"),
        (M, "2476011", "Świętochłowice"),
        (P, "2417", "żywiecki"),
    ]
    assert parsed.rows[0].agreement_signed_on.isoformat() == "2014-03-12"


def test_every_bad_row_is_reported_with_its_line():
    data = (
        "group,teryt,name\n"
        "gmina,2401011,Będzin\n"
        "gmina,2401014,Zła\n"
        "wojewodztwo,24,Śląskie\n"
        "powiat,2401,\n"
        "gmina,2401011,Będzin again\n"
        "gmina,2401021,<script>alert(1)</script>\n"
    ).encode()
    parsed = parse_partner_csv(data)
    assert [e.line for e in parsed.errors] == [3, 4, 5, 6, 7]


def test_binary_and_headerless_files_are_refused():
    assert parse_partner_csv(b"%PDF-1.4\x00\x01\x02").errors
    assert parse_partner_csv(b"").errors
    assert parse_partner_csv(b"a,b,c\n1,2,3\n").errors[0].message.startswith("Brak kolumn")


def test_a_list_of_representatives_is_read_like_the_partner_list():
    data = (
        "\ufeffE-mail;Imię i nazwisko;Kod TERYT\r\n A@B.pl ; Anna  Nowak ;2401011\r\n\r\n".encode()
    )
    parsed = parse_rep_csv(data)
    assert parsed.errors == []
    [row] = parsed.rows
    assert (row.line, row.email, row.full_name, row.teryt) == (2, "a@b.pl", "Anna Nowak", "2401011")


def test_every_bad_representative_row_is_reported_with_its_line():
    data = b"email,name,teryt\nbad,Jan Nowak,2401\nx@y.pl,Jan,2401\nz@y.pl,Jan Nowak,24a1\n"
    assert [e.line for e in parse_rep_csv(data).errors] == [2, 3, 4]
