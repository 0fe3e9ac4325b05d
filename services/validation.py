"""Validators of input: text, dates and times, and personal data (phone, email, birth
date, identity number, name).

Each takes the raw value and the input path, and returns the normalised value or
raises Invalid at that path (DESIGN §6: bad input gets a clear error). GraphQL inputs
pass the text and date rules before any resolver runs (schema/inputs.py); the
services apply them again for callers that come another way (the CLI, jobs).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import TypeVar

from services.clock import as_utc
from services.errors import Invalid

D = TypeVar("D", bound=date)  # a date, or a datetime
_MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# E.164: a country code and subscriber number, 8 to 15 digits in all.
_INTERNATIONAL = re.compile(r"^\+[1-9]\d{7,14}$")
_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]{1,64}@"
    r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)+$"
)
_RESIDENT_ID = re.compile(r"^\d{17}[\dX]$")
_OTHER_DOCUMENT = re.compile(r"^[A-Z0-9\-]{5,32}$")
# ISO 7064 MOD 11-2 weights of the first 17 digits, and the check character per remainder.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
MAX_NAME = 128
MAX_ADDRESS = 500
# Control characters: NUL and the rest below U+0020. Free text keeps tab and line feed,
# and carriage return only before a line feed (CRLF, as Windows clients and e-mail break
# lines): a lone one makes a terminal or log viewer overwrite the line it is on. Neither
# holds half of a surrogate pair (JSON's "\ud800" decodes to one): it is no character,
# and no database encodes it.
_LINE_CONTROL = re.compile(r"[\x00-\x1f\ud800-\udfff]")
_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]|\r(?!\n)")
# Every date and time input lies in these years (DESIGN §2); beyond them calendar
# arithmetic (windows, expiry months, ages) leaves what Python and the databases hold.
EARLIEST_YEAR = 1900
LATEST_YEAR = 2200
OUT_OF_RANGE = f"Dates and times lie between {EARLIEST_YEAR} and {LATEST_YEAR}."


def check_line(value: str, field: Sequence[str]) -> str:
    """Single-line text (names, codes, keys, identifiers, passwords): no control character."""
    if _LINE_CONTROL.search(value):
        raise Invalid("One line of text, without control characters (tab, NUL...).", field)
    return value


def check_free_text(value: str, field: Sequence[str]) -> str:
    """Free text (notes, reasons, messages): tabs and line breaks, no other control character."""
    if _TEXT_CONTROL.search(value):
        raise Invalid("Text may hold tabs and line breaks, no other control character.", field)
    return value


def check_moment(value: D, field: Sequence[str]) -> D:
    """A date, or a date-time in UTC, within EARLIEST_YEAR to LATEST_YEAR."""
    try:
        year = as_utc(value).year if isinstance(value, datetime) else value.year
    except OverflowError:  # in year 1 or 9999, shifted to UTC past what Python holds
        year = 0
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise Invalid(OUT_OF_RANGE, field)
    return value


def normalize_phone(value: str, field: Sequence[str]) -> str:
    """A mainland mobile as 11 digits (a +86 prefix is dropped), others in E.164 form."""
    compact = _PHONE_SEPARATORS.sub("", check_line(value, field).strip())
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if compact.startswith("+86"):
        compact = compact[3:]
    if _MAINLAND_MOBILE.match(compact) or _INTERNATIONAL.match(compact):
        return compact
    raise Invalid(
        "A phone number is a mainland mobile (11 digits starting 13-19) or +country number.",
        field,
    )


def normalize_email(value: str, field: Sequence[str]) -> str:
    email = check_line(value, field).strip().lower()
    if len(email) > 254 or not _EMAIL.match(email) or ".." in email:
        raise Invalid("That is not an email address.", field)
    return email


def check_birth_date(value: date, today: date, field: Sequence[str]) -> date:
    if value > today:
        raise Invalid("A birth date cannot lie in the future.", field)
    if value.year < EARLIEST_YEAR:
        raise Invalid(f"A birth date before {EARLIEST_YEAR} is not plausible.", field)
    return value


def id_check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of a mainland resident ID's first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def normalize_id_number(value: str, field: Sequence[str]) -> str:
    """Upper-case, without spaces; an 18-character resident ID must carry a valid checksum."""
    number = re.sub(r"\s", "", check_line(value, field)).upper()
    if _RESIDENT_ID.match(number):
        if id_check_character(number[:17]) != number[17]:
            raise Invalid("The identity number's check digit is wrong.", field)
        return number
    if len(number) == 18 and number[:17].isdigit():
        raise Invalid("An 18-character resident ID ends in a digit or X.", field)
    if not _OTHER_DOCUMENT.match(number):
        raise Invalid("An identity document number is 5 to 32 letters or digits.", field)
    return number


def clean_name(value: str, field: Sequence[str]) -> str:
    name = " ".join(check_line(value, field).split())
    if not name:
        raise Invalid("A name cannot be empty.", field)
    if len(name) > MAX_NAME:
        raise Invalid(f"A name has at most {MAX_NAME} characters.", field)
    return name


def clean_address(value: str, field: Sequence[str]) -> str | None:
    address = check_free_text(value, field).strip()
    if len(address) > MAX_ADDRESS:
        raise Invalid(f"An address has at most {MAX_ADDRESS} characters.", field)
    return address or None


def clean_key(value: str, field: Sequence[str] = ("input", "idempotencyKey")) -> str:
    """An idempotency key: one line of 1 to 128 characters, stripped."""
    key = check_line(value, field).strip()
    if not key or len(key) > 128:
        raise Invalid("An idempotencyKey is 1 to 128 characters.", field)
    return key


def clean_text(
    value: str | None, field: Sequence[str], *, required: bool = False, line: bool = False
) -> str | None:
    """Free text (reasons, notes), or a single line (references): stripped; None when
    blank unless required."""
    text = (check_line if line else check_free_text)(value or "", field).strip()
    if required and not text:
        raise Invalid("This cannot be empty.", field)
    return text or None
