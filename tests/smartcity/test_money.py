"""Indonesian numbers and rupiah: one grammar for every app, refusing what it must guess."""

from __future__ import annotations

from decimal import Decimal

import pytest
from smartcity.errors import InvalidInput
from smartcity.money import number, parse_amount, parse_number, parse_quantity, rupiah


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("1250000", "1250000.00"),
        ("1.250.000", "1250000.00"),
        ("1.250.000,50", "1250000.50"),
        ("Rp 1.250.000", "1250000.00"),
        ("Rp. 1.250.000,5", "1250000.50"),
        ("rp1250000", "1250000.00"),
        ("12.500", "12500.00"),  # one dot and three digits: grouping, as read in Indonesia
        ("1250000,5", "1250000.50"),
        ("55000.00", "55000.00"),  # a spreadsheet's or JSON's decimal point
        ("1 250 000", "1250000.00"),
        ("1\u00a0250\u00a0000", "1250000.00"),  # no-break spaces from a copied table
        (1250000, "1250000.00"),
        (Decimal("99.5"), "99.50"),
        (0.1 + 0.2, "0.30"),  # a float cell shows its rounded value
    ],
)
def test_amounts_typed_the_indonesian_way(typed, value):
    assert parse_amount(typed) == Decimal(value)


@pytest.mark.parametrize(
    "typed",
    [
        "12345.678",  # neither grouping (5 digits before the dot) nor two decimals
        "1,250,000",  # English grouping: refused, not read as 1,25
        "1.250.000,505",  # more than two decimals (sen)
        "1.25.000",
        "abc",
        "",
        "Rp",
        "NaN",
        "Infinity",
        "1e5",
        "-5",  # below the minimum of 0
        True,
        None,
        "99999999999999999",  # beyond NUMERIC(18, 2)
        "9" * 40,  # more digits than Decimal's precision: quantize itself refused (a 500)
        "1." + "000." * 10 + "000",
    ],
)
def test_amounts_that_would_have_to_be_guessed_are_refused(typed):
    with pytest.raises(InvalidInput) as caught:
        parse_amount(typed, "ceiling")
    assert "ceiling" in caught.value.fields


def test_quantities_and_negatives_follow_the_same_grammar():
    assert parse_quantity("2,5", "target") == Decimal("2.50")
    assert parse_quantity("1.500", "target") == Decimal("1500.00")
    assert parse_number("-1.250,5") == Decimal("-1250.50")
    assert parse_number("Rp 5") is None  # "Rp" only where an amount is expected
    with pytest.raises(InvalidInput):
        parse_quantity("-1", "target")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("1250000"), "Rp 1.250.000"),
        (Decimal("1250000.5"), "Rp 1.250.000,50"),
        (Decimal("-75000"), "-Rp 75.000"),
        (0, "Rp 0"),
    ],
)
def test_rupiah_is_written_the_indonesian_way(value, text):
    assert rupiah(value) == text


def test_quantities_never_print_in_scientific_notation():
    assert number(Decimal("1.2E+2")) == "120"
    assert number(Decimal("2.50")) == "2,5"
    assert number(Decimal("1500")) == "1.500"


def test_a_number_longer_than_decimals_precision_is_no_number():
    assert parse_number("9" * 40, places=3) is None
    assert parse_number("1" * 27, places=3) is None
    assert parse_number("1" * 20, places=3) == Decimal("1" * 20)
