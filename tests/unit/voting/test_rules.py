import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from election.db import READABLE_ALPHABET, random_code
from election.errors import ValidationFailed
from election.voting import rules


def test_a_valid_ballot_keeps_its_choices_in_order():
    assert rules.validate_choices([3, 1], {1, 2, 3}, 2) == [3, 1]


def test_a_blank_ballot_is_valid():
    assert rules.validate_choices([], {1, 2}, 2) == []


def test_choosing_more_than_the_seats_is_refused():
    with pytest.raises(ValidationFailed) as err:
        rules.validate_choices([1, 2, 3], {1, 2, 3}, 2)
    assert str(err.value) == "Można wybrać najwyżej 2 kandydatów; zaznaczono 3."


def test_the_same_candidate_twice_is_refused():
    with pytest.raises(ValidationFailed, match="więcej niż raz"):
        rules.validate_choices([1, 1], {1, 2}, 2)


def test_a_candidate_not_on_the_ballot_is_refused():
    with pytest.raises(ValidationFailed, match="nie ma na tej karcie"):
        rules.validate_choices([1, 9], {1, 2}, 2)


@given(
    st.lists(st.integers(min_value=1, max_value=8), max_size=8),
    st.sets(st.integers(min_value=1, max_value=8)),
    st.integers(min_value=1, max_value=4),
)
def test_validation_accepts_exactly_the_distinct_allowed_lists_within_the_seats(
    ids, allowed, seats
):
    valid = len(ids) == len(set(ids)) and set(ids) <= allowed and len(ids) <= seats
    try:
        assert rules.validate_choices(ids, allowed, seats) == ids
        assert valid
    except ValidationFailed:
        assert not valid


@pytest.mark.parametrize("values", [["x"], ["0"], ["-1"], ["1.5"], [""], ["１"], ["9" * 10]])
def test_form_values_that_are_not_candidate_ids_are_refused(values):
    with pytest.raises(ValidationFailed, match="Nieprawidłowy wybór"):
        rules.parse_candidate_ids(values)


def test_form_values_become_ids():
    assert rules.parse_candidate_ids(["12", " 3 "]) == [12, 3]


def test_receipts_use_the_readable_alphabet_of_the_app():
    assert rules.RECEIPT_ALPHABET == READABLE_ALPHABET
    code = random_code(rules.RECEIPT_LENGTH)
    assert rules.is_receipt(code)
    for look_alike in "01IO":
        assert look_alike not in rules.RECEIPT_ALPHABET


def test_a_receipt_typed_with_dashes_and_small_letters_is_recognised():
    assert rules.normalise_receipt("abcde-fghjk") == "ABCDEFGHJK"
    assert rules.normalise_receipt(" ab cde fghjk ") == "ABCDEFGHJK"
    assert rules.is_receipt("ABCDEFGHJK")
    assert not rules.is_receipt("ABCDEFGHJ0")
    assert not rules.is_receipt("ABC")
    assert rules.format_receipt("ABCDEFGHJK") == "ABCDE-FGHJK"


def test_the_digest_does_not_depend_on_the_order_of_reading():
    a = [("b" * 32, [3, 1]), ("a" * 32, []), ("c" * 32, [2])]
    b = [("c" * 32, [2]), ("a" * 32, []), ("b" * 32, [1, 3])]
    assert rules.ballot_digest(a) == rules.ballot_digest(b)
    expected = hashlib.sha256(f"{'a' * 32}:\n{'b' * 32}:1,3\n{'c' * 32}:2\n".encode()).hexdigest()
    assert rules.ballot_digest(a) == expected


def test_the_digest_changes_with_any_choice():
    assert rules.ballot_digest([("a", [1])]) != rules.ballot_digest([("a", [2])])
    assert rules.ballot_digest([]) == hashlib.sha256(b"").hexdigest()


def test_a_shuffled_ballot_is_stable_per_seed_and_keeps_every_candidate():
    items = list(range(20))
    first = rules.shuffled_for(items, "ballot:1:7")
    assert first == rules.shuffled_for(items, "ballot:1:7")
    assert sorted(first) == items
    assert first != items  # 1 in 20! to be equal by chance
    assert rules.shuffled_for(items, "ballot:1:8") != first


def test_a_tracking_code_is_read_the_way_people_type_it():
    assert rules.normalise_tracking_code("abcde-fgh12") == "ABCDE-FGH12"
    assert rules.normalise_tracking_code(" ABCDE FGH12 ") == "ABCDE-FGH12"
    # Crockford's base 32: O is read as 0, I and L as 1.
    assert rules.normalise_tracking_code("oooooILLLL") == "00000-11111"
    for wrong in ("", "ABCDE", "ABCDE-FGH123", "ABCDU-FGH12", "ABCDE/FGH12", "ĄBCDE-FGH12"):
        assert rules.normalise_tracking_code(wrong) is None, wrong


def test_a_stored_tracking_code_is_shown_as_it_is():
    assert rules.format_receipt("ABCDE-FGH12") == "ABCDE-FGH12"
    assert rules.format_receipt("ABCDEFGH23") == "ABCDE-FGH23"


def test_the_encrypted_digest_covers_every_byte_and_not_the_order_of_reading():
    ballots = [("BBBBB-BBBBB", b"\x01" * 192, b"\x02" * 64), ("AAAAA-AAAAA", b"\x03" * 192, b"")]
    digest = rules.encrypted_digest(ballots)
    assert digest == rules.encrypted_digest(reversed(ballots))
    assert len(digest) == 64 and digest != rules.encrypted_digest(ballots[:1])
    changed = [("BBBBB-BBBBB", b"\x01" * 191 + b"\x00", b"\x02" * 64), ballots[1]]
    assert rules.encrypted_digest(changed) != digest
    relabelled = [("CCCCC-CCCCC", b"\x01" * 192, b"\x02" * 64), ballots[1]]
    assert rules.encrypted_digest(relabelled) != digest
    assert rules.encrypted_digest([]) == hashlib.sha256().hexdigest()
