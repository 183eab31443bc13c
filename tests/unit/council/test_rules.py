import pytest

from election.council import rules
from election.errors import Conflict, ValidationFailed

#: What the services pass as the seats' labels (``election.labels``).
SCSI = "przedstawiciel ŚCSI"
LEADER = "przedstawiciel Lidera"


def test_a_new_appointment_takes_the_first_free_place():
    assert rules.choose_slot(SCSI, None, [], 2) == 1
    assert rules.choose_slot(SCSI, None, [1], 2) == 2
    assert rules.choose_slot(SCSI, None, [2], 2) == 1


def test_a_named_free_place_is_taken_as_asked():
    assert rules.choose_slot(SCSI, 2, [1], 2) == 2


def test_a_third_scsi_appointment_is_refused_with_a_message():
    with pytest.raises(Conflict) as exc:
        rules.choose_slot(SCSI, None, [1, 2], 2)
    assert "Wszystkie miejsca „przedstawiciel ŚCSI” (2) są już obsadzone" in str(exc.value)
    assert "Zastąp" in str(exc.value)


def test_a_held_place_is_refused_pointing_to_replacement():
    with pytest.raises(Conflict) as exc:
        rules.choose_slot(LEADER, 1, [1], 1)
    assert "jest już obsadzone" in str(exc.value)


@pytest.mark.parametrize("slot", [0, 3, -1])
def test_a_place_the_election_does_not_have_is_refused(slot):
    with pytest.raises(ValidationFailed) as exc:
        rules.choose_slot(SCSI, slot, [], 2)
    assert f"nie ma miejsca nr {slot}" in str(exc.value)


def test_a_seat_without_places_cannot_be_appointed():
    with pytest.raises(ValidationFailed):
        rules.choose_slot(SCSI, None, [], 0)


def test_missing_appointed_lists_each_empty_place():
    missing = rules.missing_appointed("scsi", SCSI, [2], 3)
    assert [m.params["slot"] for m in missing] == [1, 3]
    assert missing[0].text == "Nie powołano: przedstawiciel ŚCSI (miejsce nr 1)."
    assert rules.missing_appointed("leader", LEADER, [1], 1) == []


def test_missing_elected_says_what_is_pending_and_how_many_are_elected():
    missing = rules.missing_elected(
        "powiat", "powiaty", seats=2, elected=1, complete=False, pending="Remis nierozstrzygnięty."
    )
    assert [m.text for m in missing] == [
        "Grupa „powiaty”: Remis nierozstrzygnięty.",
        "Grupa „powiaty”: wybrano 1 z 2 członków.",
    ]
    assert (
        rules.missing_elected("gmina", "gminy", seats=2, elected=2, complete=True, pending=None)
        == []
    )


def test_member_knows_whether_appointed():
    assert rules.Member("A", "B", "leader", chairs=True).appointed
    assert not rules.Member("A", "B", "gmina", partner="Gmina X").appointed


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+48", "'+48"),
        ("-1", "'-1"),
        ("@cmd", "'@cmd"),
        ("Zażółć", "Zażółć"),
        (None, ""),
        (3, "3"),
    ],
)
def test_spreadsheet_cells_never_start_a_formula(value, cell):
    assert rules.spreadsheet_safe(value) == cell


def test_one_person_in_two_seats_is_named_with_both_seats():
    missing = rules.two_seats(
        [
            ("anna nowak", "Anna Nowak", "przedstawiciel ŚCSI"),
            ("jan lis", "Jan Lis", "przedstawiciel gmin"),
            ("anna nowak", "Anna NOWAK", "przedstawiciel gmin"),
        ]
    )
    assert [m.text for m in missing] == [
        "Jedna osoba, jedno miejsce: Anna Nowak zajmuje miejsca: przedstawiciel ŚCSI, "
        "przedstawiciel gmin. Zastąp powołanie inną osobą albo zapisz wygaśnięcie jednego "
        "z mandatów."
    ]
    assert rules.two_seats([("a b", "A B", "x"), ("c d", "C D", "x")]) == []


def test_a_short_group_is_told_its_ways_out_by_phase():
    during = rules.missing_short("powiat", "powiaty", seats=2, elected=1, voting=True)
    after = rules.missing_short("powiat", "powiaty", seats=2, elected=1, voting=False)
    assert "Otwórz zgłoszenia uzupełniające albo zapisz wakat" in during.text
    assert "zgłoszenia uzupełniające" not in after.text and "Zapisz wakat" in after.text
