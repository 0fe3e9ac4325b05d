"""The personal-data inventory: for every text, JSON and date column of every model,
whether it can hold personal data and what erasure does with it (DESIGN §2 Members,
termination).

One table, read by erasure (services/members/erasure.py), by the tests (a column no row
classifies fails them) and by the docs (`python -m services.personal_data >
docs/personal-data.md`). A new column is classified here before anything else: erasure
then finds it without further code. COPIES lists what the database keeps beside the
tables (a search index): erasure reaches it through the columns it copies.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from tortoise import Tortoise, fields
from tortoise.exceptions import ConfigurationError
from tortoise.models import Model

from models.db import APP_LABEL
from models.member_search import SEARCH_TABLE, SEARCHED


class Treatment(Enum):
    NOT_PERSONAL = "not personal"
    ERASED = "erased"
    ROW_DELETED = "row deleted"
    KEPT = "kept"


class Found(Enum):
    """How erasure finds the rows of a model that are about the terminated person."""

    THE_MEMBER = "the member's own row"
    MEMBER_ID = "by member_id"
    SAME_PERSON = (
        "by member_id, or by the phone, email or idNumber lookup hash of the member and of "
        "their own applications (read before they are erased): earlier applications of the "
        "same person that never became this member, approved, rejected or pending"
    )
    MEMBER_OR_CASE = "by member_id, or by a service case of the member (case notes)"
    THROTTLE_KEYS = (
        "by key: the throttle keys of the client addresses of the applications found above "
        "and of the names the member signs in with"
    )
    NEVER = "never: erasure does not touch this table"
    NOT_ABOUT_MEMBERS = "holds nothing about a member"


@dataclass(frozen=True)
class Column:
    treatment: Treatment
    says: str  # what the column holds; for KEPT personal data, why it stays
    erased_to: Any = None  # ERASED: the value that replaces the personal one


def not_personal(says: str) -> Column:
    return Column(Treatment.NOT_PERSONAL, says)


def erased(says: str, to: Any = None) -> Column:
    return Column(Treatment.ERASED, says, to)


def deleted(says: str) -> Column:
    return Column(Treatment.ROW_DELETED, says)


def kept(why: str) -> Column:
    return Column(Treatment.KEPT, why)


@dataclass(frozen=True)
class Table:
    found: Found
    columns: dict[str, Column] = field(default_factory=dict)

    @property
    def deletes_rows(self) -> bool:
        return any(c.treatment is Treatment.ROW_DELETED for c in self.columns.values())

    def erased_values(self) -> dict[str, Any]:
        """Column -> the value erasure writes, for the columns it overwrites."""
        return {
            name: column.erased_to
            for name, column in self.columns.items()
            if column.treatment is Treatment.ERASED
        }


@dataclass(frozen=True)
class Copy:
    """Personal data the database keeps beside a model's rows: a copy of some of its
    columns that the database derives and keeps in step with them (an index). Erasure
    reaches it by overwriting the columns, which must therefore be erased; the scrub then
    makes the old values gone from the copy's storage too."""

    of: str  # the model whose columns it copies
    columns: tuple[str, ...]
    says: str


_WHEN = "when it happened; no personal data once the rest is erased"
_STAFF = "staff account data, not a member's: member erasure does not concern it"
_AUDIT = (
    "accounting (DESIGN §4): the trail is hash-chained, so erasure never touches it; "
    "it withholds personal data ([PII]) when written"
)

# Model name -> how its rows are found and what each column is. Rows in models/ order.
INVENTORY: dict[str, Table] = {
    "StaffUser": Table(
        Found.NOT_ABOUT_MEMBERS,
        {
            "username": kept(_STAFF),
            "display_name": kept(_STAFF),
            "password_hash": kept(_STAFF),
            "roles": not_personal("role names"),
            "created_at": not_personal(_WHEN),
            "last_login_at": kept(_STAFF),
            "locked_until": not_personal("end of a sign-in lock"),
        },
    ),
    "Session": Table(
        Found.MEMBER_ID,
        {
            "token_hash": deleted("a key that signs the member in"),
            "created_at": deleted("when the member signed in"),
            "expires_at": deleted("when the session ends"),
            "revoked_at": deleted("when the session was revoked"),
        },
    ),
    "Member": Table(
        Found.THE_MEMBER,
        {
            "member_no": not_personal(
                "the programme's own number; kept so ledger, purchases and audit still "
                "add up per (now anonymous) member"
            ),
            "status": not_personal("TERMINATED after erasure"),
            "enrollment_channel": not_personal("a channel of a fixed list"),
            "joined_at": not_personal(_WHEN),
            "name": erased("name"),
            "gender": erased("gender"),
            "birth_date": erased("birth date (also gives the age band)"),
            "phone": erased("phone number"),
            "email": erased("email address"),
            "address": erased("postal address"),
            "id_number_enc": erased("idNumber, AES-GCM encrypted"),
            "id_number_hash": erased("keyed lookup hash of the idNumber: identifies the person"),
            "consents_updated_at": not_personal(_WHEN),
            "tags_refreshed_at": not_personal(_WHEN),
            "profile_confirmed_at": not_personal(_WHEN),
            "last_purchase_at": not_personal(_WHEN),
            "password_hash": erased("sign-in secret"),
            "locked_until": not_personal("end of a sign-in lock"),
            "activation_code_hash": erased("one-time activation code, hashed: a key"),
            "activation_expires_at": erased("expiry of the activation code"),
            "suspended_reason": erased("free text staff wrote about the member"),
            "termination_reason": not_personal("a reason of a fixed list"),
            "termination_note": erased("free text staff or the member wrote"),
            "termination_effective_at": not_personal(_WHEN),
            "terminated_at": not_personal(_WHEN),
        },
    ),
    "MembershipApplication": Table(
        Found.SAME_PERSON,
        {
            "status": not_personal("a pending one is closed as REJECTED by erasure"),
            "name": erased("name"),
            "gender": erased("gender"),
            "birth_date": erased("birth date"),
            "phone": erased("phone number"),
            "email": erased("email address"),
            "address": erased("postal address"),
            "id_number_enc": erased("idNumber, AES-GCM encrypted"),
            "id_number_hash": erased("keyed lookup hash of the idNumber: identifies the person"),
            "channel": not_personal("a channel of a fixed list"),
            "requested_tier_code": not_personal("a tier's code"),
            "consents": erased("the person's consent choices", to={}),
            "referral_code": erased("a referral code: can name who referred them"),
            "client_ip": erased("the client address the application came from"),
            "submitted_at": not_personal(_WHEN),
            "reviewed_at": not_personal(_WHEN),
            "review_note": erased("free text staff wrote about the applicant"),
        },
    ),
    "ProfileChangeRequest": Table(
        Found.MEMBER_ID,
        {
            "status": not_personal("a pending one is closed as REJECTED by erasure"),
            "changes": erased("requested personal data (idNumber encrypted)", to={}),
            "reason": erased("free text the member wrote"),
            "submitted_at": not_personal(_WHEN),
            "reviewed_at": not_personal(_WHEN),
            "review_note": erased("free text staff wrote about the request"),
        },
    ),
    "PendingScrub": Table(
        Found.MEMBER_ID,
        {"erased_at": not_personal("when the erasure committed; deleted once scrubbed")},
    ),
    "RateLimitHit": Table(
        Found.THROTTLE_KEYS,
        {
            "key": deleted(
                "a scope and a keyed hash of a client address or a sign-in name: the "
                "person's applications and sign-ins (other keys expire with their window)"
            ),
            "at": deleted("when the attempt was made"),
        },
    ),
    "Tier": Table(
        Found.NOT_ABOUT_MEMBERS,
        {
            "code": not_personal("catalogue"),
            "name": not_personal("catalogue"),
            "description": not_personal("catalogue"),
        },
    ),
    "TierChange": Table(
        Found.MEMBER_ID,
        {
            "reason": not_personal("a reason of a fixed list"),
            "at": not_personal(_WHEN),
            "note": erased("free text staff wrote (setMemberTier)"),
        },
    ),
    "Purchase": Table(
        Found.MEMBER_ID,
        {
            "order_ref": not_personal(
                "the store system's order number; kept so replays and refunds still match"
            ),
            "channel": not_personal("the store channel"),
            "occurred_at": not_personal(_WHEN),
            "created_at": not_personal(_WHEN),
        },
    ),
    "PointsEntry": Table(
        Found.MEMBER_ID,
        {
            "kind": not_personal("a kind of a fixed list"),
            "reason": erased(
                "free text: staff's adjustPoints reason, a refund's note, a redemption's "
                "reference, the birthday marker; the ledger's guards let only this be "
                "cleared (points, balances and keys stay)"
            ),
            "purpose": not_personal("a purpose of a fixed list"),
            "expires_at": not_personal(_WHEN),
            "idempotency_key": not_personal(
                "the client's replay key; kept so a repeated request still moves nothing"
            ),
            "created_at": not_personal(_WHEN),
        },
    ),
    "Benefit": Table(
        Found.NOT_ABOUT_MEMBERS,
        {
            "code": not_personal("catalogue"),
            "name": not_personal("catalogue"),
            "category": not_personal("catalogue"),
            "description": not_personal("catalogue"),
            "usage_period": not_personal("catalogue"),
            "active_from": not_personal("catalogue"),
            "active_until": not_personal("catalogue"),
        },
    ),
    "BenefitTier": Table(Found.NOT_ABOUT_MEMBERS),
    "BenefitUsage": Table(
        Found.MEMBER_ID,
        {
            "used_at": not_personal(_WHEN),
            "note": erased("free text staff wrote about the use"),
            "idempotency_key": not_personal(
                "the client's replay key; kept so a repeated request still uses nothing"
            ),
            "revoked_reason": erased("free text staff wrote (also a suspension's reason)"),
            "revoked_at": not_personal(_WHEN),
        },
    ),
    "TagDefinition": Table(
        Found.NOT_ABOUT_MEMBERS,
        {
            "code": not_personal("catalogue"),
            "name": not_personal("catalogue"),
            "category": not_personal("catalogue"),
            "description": not_personal("catalogue"),
            "status": not_personal("a status of a fixed list"),
            "rule": not_personal("a rule over member fields, not about one member"),
            "created_at": not_personal(_WHEN),
            "reviewed_at": not_personal(_WHEN),
            "review_note": not_personal("staff's note on the definition"),
            "retired_at": not_personal(_WHEN),
            "refreshed_at": not_personal(_WHEN),
        },
    ),
    "Campaign": Table(
        Found.NOT_ABOUT_MEMBERS,
        {
            "code": not_personal("catalogue"),
            "name": not_personal("catalogue"),
            "status": not_personal("a status of a fixed list"),
            "starts_at": not_personal(_WHEN),
            "ends_at": not_personal(_WHEN),
            "tier_codes": not_personal("tier codes of the audience, not about one member"),
            "tags_all": not_personal("tag codes of the audience, not about one member"),
            "tags_any": not_personal("tag codes of the audience, not about one member"),
            "tags_none": not_personal("tag codes of the audience, not about one member"),
            "channels": not_personal("purchase channels"),
            "proposed_at": not_personal(_WHEN),
            "reviewed_at": not_personal(_WHEN),
            "review_note": not_personal("staff's note on the campaign"),
            "ended_at": not_personal(_WHEN),
        },
    ),
    "CampaignMember": Table(Found.MEMBER_ID),
    "MemberTag": Table(
        Found.MEMBER_ID,
        {
            "source": deleted("termination removes the member's tags"),
            "assigned_at": deleted("termination removes the member's tags"),
            "note": deleted("free text staff wrote about the member"),
        },
    ),
    "TagErrorReport": Table(
        Found.MEMBER_ID,
        {
            "source": not_personal("a source of a fixed list"),
            "note": erased("free text staff wrote about the member", to=""),
            "reported_at": not_personal(_WHEN),
        },
    ),
    "TagUse": Table(
        Found.NOT_ABOUT_MEMBERS,
        {
            "kind": not_personal("a kind of a fixed list"),
            "used_at": not_personal(_WHEN),
        },
    ),
    "ServiceCase": Table(
        Found.MEMBER_ID,
        {
            "kind": not_personal("a kind of a fixed list"),
            "channel": not_personal("a channel of a fixed list"),
            "subject": erased("free text about the member's request", to=""),
            "status": not_personal("a status of a fixed list"),
            "opened_at": not_personal(_WHEN),
            "response_due_at": not_personal(_WHEN),
            "resolution_due_at": not_personal(_WHEN),
            "first_responded_at": not_personal(_WHEN),
            "resolved_at": not_personal(_WHEN),
            "resolution": erased("free text staff wrote"),
            "late_announced": not_personal("a deadline of a fixed list (RESPONSE, RESOLUTION)"),
        },
    ),
    "Communication": Table(
        Found.MEMBER_OR_CASE,
        {
            "channel": not_personal("a channel of a fixed list"),
            "direction": not_personal("a direction of a fixed list"),
            "category": not_personal("a category of a fixed list"),
            "subject": erased("free text of the contact"),
            "content": erased("free text of the contact, case notes included"),
            "occurred_at": not_personal(_WHEN),
            "programme": not_personal("a programme's code"),
        },
    ),
    "Delivery": Table(
        Found.MEMBER_ID,
        {
            "channel": not_personal("a channel of a fixed list"),
            "status": not_personal("a status of a fixed list"),
            # An SMTP server or gateway may quote the address it refused.
            "last_error": erased("the last attempt's error, as the server answered"),
            "next_attempt_at": not_personal(_WHEN),
            "sent_at": not_personal(_WHEN),
            "created_at": not_personal(_WHEN),
            "lease_owner": not_personal("the id of the worker sending it"),
            "lease_until": not_personal(_WHEN),
        },
    ),
    "WebhookEndpoint": Table(
        Found.NOT_ABOUT_MEMBERS,
        {
            "url": not_personal("an integration's address, registered by ADMIN"),
            "events": not_personal("event types of a fixed list"),
            "description": not_personal("ADMIN's note on the integration"),
            "disabled_reason": not_personal("why it was disabled, in memberhub's words"),
            "secret": not_personal("the signing secret, encrypted"),
            "failing_since": not_personal(_WHEN),
            "created_at": not_personal(_WHEN),
        },
    ),
    "WebhookDelivery": Table(
        Found.NEVER,
        {
            "event_id": not_personal("a random id"),
            "event_type": not_personal("an event type of a fixed list"),
            "payload": kept(
                "what was told to the integration: ids, memberNo, codes, amounts and times, "
                "never names, contact data or free text (services/webhooks/events.py); the "
                "receiver has it already, and memberNo names no one once the member is erased"
            ),
            "status": not_personal("a status of a fixed list"),
            "last_error": not_personal("memberhub's words: an HTTP status or a connection failure"),
            "created_at": not_personal(_WHEN),
            "sent_at": not_personal(_WHEN),
            "next_attempt_at": not_personal(_WHEN),
            "lease_owner": not_personal("the id of the worker sending it"),
            "lease_until": not_personal(_WHEN),
        },
    ),
    "Outreach": Table(
        Found.NOT_ABOUT_MEMBERS,
        {
            "kind": not_personal("a kind of a fixed list"),
            "programme": not_personal("a programme's code"),
            "at": not_personal(_WHEN),
            "channel": not_personal("a channel of a fixed list"),
            "category": not_personal("a category of a fixed list"),
        },
    ),
    # Who was contacted or held out: an id and a flag, kept so an effect stays measurable.
    "OutreachMember": Table(Found.MEMBER_ID),
    "ProgrammeSetting": Table(
        Found.NOT_ABOUT_MEMBERS,
        {
            "code": not_personal("a programme's code"),
            "benefit_code": not_personal("a benefit code or coupon the operator chose"),
            "updated_at": not_personal(_WHEN),
        },
    ),
    "ProgrammeRun": Table(
        Found.NOT_ABOUT_MEMBERS,
        {
            "programme": not_personal("a programme's code"),
            "as_of": not_personal(_WHEN),
            "started_at": not_personal(_WHEN),
        },
    ),
    # The survey's answer is a Communication: its comment is the content erased with the
    # member's communications. The token's row ties a member to a purchase and is deleted.
    "SurveyToken": Table(
        Found.MEMBER_ID,
        {
            "token_hash": deleted(
                "the SHA-256 of a survey's one-time code, the member's credential to answer it"
            ),
            "channel": deleted("the channel the survey went on"),
            "created_at": deleted(_WHEN),
            "expires_at": deleted(_WHEN),
            "used_at": deleted("when the member answered"),
        },
    ),
    "AuditEntry": Table(
        Found.NEVER,
        {
            "at": not_personal(_WHEN),
            "actor_type": not_personal("a type of a fixed list"),
            "actor_id": kept(_AUDIT),
            "roles": not_personal("role names"),
            "operation_type": not_personal("a type of a fixed list"),
            "operation_name": not_personal("the client's operation name"),
            "fields_": not_personal("root field names"),
            "variables": kept(_AUDIT),
            "target_ids": kept(_AUDIT),
            "sensitive_fields": not_personal("field names"),
            "outcome": not_personal("an outcome of a fixed list"),
            "error_codes": not_personal("error codes"),
            "ip": kept(_AUDIT),
            "user_agent": kept(_AUDIT),
            "request_id": not_personal("a random request id"),
            "prev_hash": not_personal("the chain's link"),
            "hash": not_personal("the chain's link"),
        },
    ),
    "AuditHead": Table(
        Found.NOT_ABOUT_MEMBERS, {"last_hash": not_personal("the chain's last link")}
    ),
    "JobRun": Table(
        Found.NOT_ABOUT_MEMBERS,
        {
            "job": not_personal("a job's name"),
            "as_of": not_personal("the moment the job ran as"),
            "started_at": not_personal(_WHEN),
            "finished_at": not_personal(_WHEN),
            "status": not_personal("a status of a fixed list"),
            "counts": not_personal("numbers of members examined and changed"),
            "error": not_personal(
                "an error's class and message, never its traceback; memberhub's errors name "
                "records by id"
            ),
        },
    ),
    "JobLease": Table(
        Found.NOT_ABOUT_MEMBERS,
        {
            "job": not_personal("a job's name"),
            "slot": not_personal("the job's latest claimed slot"),
            "holder": not_personal("the worker's id (host and process)"),
            "expires_at": not_personal("the end of the worker's lease"),
        },
    ),
}

# Copies of personal data outside the models' tables, by the name the database knows them.
COPIES: dict[str, Copy] = {
    SEARCH_TABLE: Copy(
        "Member",
        tuple(SEARCHED),
        "member search's index (issue 28). SQLite: an FTS5 table of the values and their "
        "trigrams, written by triggers on member, so erasure's overwrite rewrites its row; "
        "the scrub then merges the index (FTS5 'optimize'), so no older segment keeps the "
        "erased values' tokens. PostgreSQL: pg_trgm GIN indexes on member, cleaned by "
        "the VACUUM that follows erasure",
    ),
}

# Column types that can hold personal data, and so are classified: text of any kind,
# JSON, dates and times, bytes, UUIDs. Numbers, booleans and keys to other rows are not.
CLASSIFIED_FIELDS = (
    fields.CharField,
    fields.TextField,
    fields.JSONField,
    fields.DateField,
    fields.DatetimeField,
    fields.TimeField,
    fields.BinaryField,
    fields.UUIDField,
)


def registered_models() -> dict[str, type[Model]]:
    """The models Tortoise was initialised with, by name: the ones the inventory covers."""
    apps = Tortoise.apps
    if apps is None:
        raise ConfigurationError("Tortoise is not initialised")
    return dict(apps[APP_LABEL])


def columns_to_classify(model: type[Model]) -> list[str]:
    """The model's fields of a type that can hold personal data."""
    return [
        name
        for name, column in model._meta.fields_map.items()
        if isinstance(column, CLASSIFIED_FIELDS)
    ]


def erased_tables(models: dict[str, type[Model]]) -> tuple[str, ...]:
    """Database tables erasure writes to (PostgreSQL vacuums them afterwards)."""
    return tuple(
        models[name]._meta.db_table
        for name, table in INVENTORY.items()
        if table.deletes_rows or table.erased_values()
    )


HEADER = """# Personal data

Generated from `services/personal_data.py` by `python -m services.personal_data >
docs/personal-data.md`; a test fails when this file is stale, and another when a model
has a text, JSON or date column the inventory does not classify. Termination erases the
person in every row the inventory points to (DESIGN §2), then makes the erased values
gone from the files: SQLite's `secure_delete` zeroes freed space and a TRUNCATE
checkpoint empties the write-ahead log; PostgreSQL vacuums the tables erasure wrote.
While another connection's read snapshot blocks the checkpoint the erasure is *pending*:
logged, counted on `/metrics` (`memberhub_erasures_pending`), reported by
`terminateMembership` (`erasurePending`) and `runTerminations` (`erasuresPending`), and
retried until the log is empty.

Treatments: `erased` (overwritten with the value shown), `row deleted`, `kept` (personal
data that stays, for the reason given), `not personal`.
"""


def _value(column: Column) -> str:
    if column.treatment is not Treatment.ERASED:
        return str(column.treatment.value)
    shown = "NULL" if column.erased_to is None else repr(column.erased_to).replace("'", '"')
    return f"erased to `{shown}`"


def render() -> str:
    lines = [HEADER.rstrip("\n")]
    for name, table in INVENTORY.items():
        lines.append(f"\n## {name}\n")
        lines.append(f"Rows about the person: {table.found.value}.\n")
        if not table.columns:
            lines.append("No text, JSON or date columns.")
            continue
        lines.append("| column | treatment | holds / why |")
        lines.append("|---|---|---|")
        for column_name, column in table.columns.items():
            lines.append(f"| {column_name} | {_value(column)} | {column.says} |")
    lines.append("\n## Copies\n")
    lines.append(
        "Personal data the database keeps beside the tables above, erased with them. A "
        "table's own indexes (such as those on member.phone and on an application's phone "
        "and id_number_hash, migration 0018) are not copies to list: the database rewrites "
        "an index entry with its row, and the scrub clears the old one as it does the "
        "row's.\n"
    )
    lines.append("| copy | of | columns | holds / how erasure reaches it |")
    lines.append("|---|---|---|---|")
    for name, copy in COPIES.items():
        lines.append(f"| {name} | {copy.of} | {', '.join(copy.columns)} | {copy.says} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
