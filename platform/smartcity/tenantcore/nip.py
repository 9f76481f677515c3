"""NIP (Nomor Induk Pegawai): the 18-digit number of an Indonesian civil servant.

Layout ``YYYYMMDD YYYYMM S NNN``: birth date, appointment (TMT CPNS) month, sex
digit (1 male, 2 female), sequence from 001. Every rejection says which part is
wrong and why, so a roster clerk can fix the row without guessing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from smartcity.errors import Message, as_message

#: PPPK numbers carry 21 in the appointment-month slot.
PPPK_MONTH = 21
MIN_AGE_AT_APPOINTMENT = 18


class InvalidNipError(ValueError):
    """The NIP breaks a rule; ``message`` names it (English as ``str``)."""

    def __init__(self, message: str) -> None:
        super().__init__(str(message))
        self.message = as_message(message)


@dataclass(frozen=True, slots=True)
class Nip:
    value: str
    birth_date: date
    appointment_year: int
    appointment_month: int | None  # None for a PPPK number
    sex: str  # "L" (laki-laki) or "P" (perempuan)
    sequence: int


def parse_nip(raw: object, status: str | None = None) -> Nip:
    """Validate a NIP; ``status`` PPPK allows month 21 in the appointment slot."""
    value = str(raw or "").strip().replace(" ", "")
    if len(value) != 18 or not value.isdecimal():
        raise InvalidNipError(Message("must be 18 digits, got %(n)s characters", n=len(value)))
    try:
        birth = date(int(value[0:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        raise InvalidNipError(
            Message("birth date %(d)s is not a real date", d=value[0:8])
        ) from None
    year, month = int(value[8:12]), int(value[12:14])
    pppk = month == PPPK_MONTH
    if pppk and (status or "").upper() != "PPPK":
        raise InvalidNipError(Message("appointment month 21 is only allowed for PPPK"))
    if not pppk:
        if not 1 <= month <= 12:
            raise InvalidNipError(Message("appointment month %(m)s is not a month", m=value[12:14]))
        appointed = date(year, month, 1)
    else:
        appointed = date(year, 12, 31)
    if appointed.year - birth.year - ((appointed.month, 31) < (birth.month, birth.day)) < (
        MIN_AGE_AT_APPOINTMENT
    ):
        raise InvalidNipError(
            Message(
                "appointment %(a)s is less than %(n)s years after birth %(b)s",
                a=value[8:14],
                n=MIN_AGE_AT_APPOINTMENT,
                b=value[0:8],
            )
        )
    if value[14] not in "12":
        raise InvalidNipError(Message("sex digit must be 1 or 2, got %(d)s", d=value[14]))
    sequence = int(value[15:18])
    if sequence < 1:
        raise InvalidNipError(Message("sequence must be 001 or more"))
    return Nip(
        value=value,
        birth_date=birth,
        appointment_year=year,
        appointment_month=None if pppk else month,
        sex="L" if value[14] == "1" else "P",
        sequence=sequence,
    )
