"""Profile data: validation, duplicate detection, and the JSON form of requested changes.

Shared by enrollment (an application is a profile), staff edits and member requests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from tortoise.expressions import Q

from models.enums import Gender, MemberStatus
from models.member import Member
from services import crypto, validation
from services.errors import Duplicate, Invalid


@dataclass(frozen=True)
class Profile:
    """Personal data as given; None means "not given" (or "unchanged" for an edit)."""

    name: str | None = None
    gender: Gender | None = None
    birth_date: date | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    id_number: str | None = None

    def given(self) -> dict[str, Any]:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {name: value for name, value in values.items() if value is not None}


# Member columns of the consents (DESIGN §2: per marketing channel, and for profiling).
CONSENT_FIELDS = (
    "marketing_sms",
    "marketing_email",
    "marketing_phone",
    "marketing_push",
    "profiling",
)


# Attribute -> GraphQL input field (also the key in a ProfileChangeRequest's changes).
GRAPHQL_NAMES = {
    "name": "name",
    "gender": "gender",
    "birth_date": "birthDate",
    "phone": "phone",
    "email": "email",
    "address": "address",
    "id_number": "idNumber",
}
ATTRIBUTES = {graphql: attr for attr, graphql in GRAPHQL_NAMES.items()}


def clean_profile(profile: Profile, today: date, path: Sequence[str] = ("input",)) -> Profile:
    """The profile normalised and validated; Invalid at the input field at fault."""

    def at(attr: str) -> tuple[str, ...]:
        return (*path, GRAPHQL_NAMES[attr])

    values = profile.given()
    cleaners: dict[str, Any] = {
        "name": lambda v: validation.clean_name(v, at("name")),
        "gender": Gender,
        "birth_date": lambda v: validation.check_birth_date(v, today, at("birth_date")),
        "phone": lambda v: validation.normalize_phone(v, at("phone")),
        "email": lambda v: validation.normalize_email(v, at("email")),
        "address": lambda v: validation.clean_address(v, at("address")),
        "id_number": lambda v: validation.normalize_id_number(v, at("id_number")),
    }
    return Profile(**{attr: cleaners[attr](value) for attr, value in values.items()})


def columns(profile: Profile) -> dict[str, Any]:
    """Model columns of a clean profile: the idNumber only as ciphertext and keyed hash."""
    values = profile.given()
    id_number = values.pop("id_number", None)
    if id_number is not None:
        values["id_number_enc"] = crypto.encrypt(id_number)
        values["id_number_hash"] = crypto.lookup_hash(id_number)
    return values


def to_changes(profile: Profile) -> dict[str, Any]:
    """The JSON stored in a ProfileChangeRequest: GraphQL keys, idNumber encrypted."""
    changes: dict[str, Any] = {}
    for attr, value in profile.given().items():
        if attr == "id_number":
            value = crypto.encrypt(value)
        elif isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, Gender):
            value = value.value
        changes[GRAPHQL_NAMES[attr]] = value
    return changes


def clear_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """Stored changes with the idNumber decrypted, for a reader allowed to see them."""
    return {
        key: crypto.decrypt(value) if key == "idNumber" else value for key, value in changes.items()
    }


def from_changes(changes: dict[str, Any]) -> Profile:
    values: dict[str, Any] = {}
    for key, value in clear_changes(changes).items():
        attr = ATTRIBUTES[key]
        if attr == "birth_date":
            value = date.fromisoformat(value)
        elif attr == "gender":
            value = Gender(value)
        values[attr] = value
    return Profile(**values)


def require_changes(profile: Profile, path: Sequence[str]) -> None:
    if not profile.given():
        raise Invalid("Name at least one field to change.", path)


async def ensure_unique(
    phone: str | None,
    id_hash: str | None,
    *,
    exclude_member_id: int | None = None,
    path: Sequence[str] = ("input",),
    field_paths: bool = True,
) -> None:
    """Duplicate if a live (not TERMINATED) member holds this phone or idNumber hash (DESIGN §2).

    field_paths=False reports the error at `path` itself (e.g. the application's id
    when a reviewer approves it), not at `path` + the field name.
    """
    wanted = {"phone": phone, "id_number_hash": id_hash}
    clauses = [Q(**{column: value}) for column, value in wanted.items() if value is not None]
    if not clauses:
        return
    live = Member.filter(~Q(status=MemberStatus.TERMINATED), Q(*clauses, join_type=Q.OR))
    if exclude_member_id is not None:
        live = live.exclude(id=exclude_member_id)
    # One query for both: the rows that clash tell which field does.
    clashes = await live.limit(2).values("phone", "id_number_hash")
    for graphql_name, column in (("phone", "phone"), ("idNumber", "id_number_hash")):
        if any(wanted[column] is not None and row[column] == wanted[column] for row in clashes):
            where = (*path, graphql_name) if field_paths else tuple(path)
            raise Duplicate(f"A member with this {graphql_name} already exists.", where)
