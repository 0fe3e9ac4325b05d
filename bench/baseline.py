"""The baseline: plain Starlette over raw aiosqlite, the minimal SQL for each workload.

It answers the same JSON bytes memberhub answers for the console's MemberDetail (W1)
and MemberSearch (W2) as ADMIN, and runs recordPurchase's write (W3) as one
BEGIN IMMEDIATE transaction. The calendar rules are the domain's own pure functions
(lots, benefit refusals, business dates), so only the serving stack differs: no
GraphQL, no ORM, no permission layer, no audit. Like memberhub it checks the bearer
token's session, because an API over personal data cannot skip that.
Run by `python -m bench` as `uvicorn bench.baseline:app`.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from decimal import ROUND_FLOOR, Decimal
from types import SimpleNamespace
from typing import Any

import aiosqlite
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from core.ids import to_global_id
from core.settings import get_settings
from schema.pagination import encode_cursor
from schema.scalars import _serialize_decimal as decimal_text
from services import crypto
from services.benefits.catalogue import is_active
from services.benefits.eligibility import period_start, refusal, uses_left
from services.clock import age_band, as_utc, local_date, utcnow
from services.points.dates import end_of_next_month, months_before
from services.points.lots import points_expiring_by
from services.sessions import token_hash

DB: dict[str, aiosqlite.Connection] = {}
Handler = Callable[[Request], Awaitable[Response]]
# One connection, as Tortoise's SQLite client has: its transactions take turns.
WRITE_LOCK = asyncio.Lock()
PAGE = 100


def _time(text: str | None) -> datetime | None:
    return as_utc(datetime.fromisoformat(text)) if text else None


def _time_text(text: str | None) -> str | None:
    moment = _time(text)
    return moment.isoformat() if moment else None


def _stored(moment: datetime) -> str:
    """A datetime as Tortoise stores it in SQLite, for comparisons in SQL."""
    return moment.astimezone(UTC).isoformat(" ")


def _json(data: Any) -> Response:
    # strawberry encodes with json.dumps and compact separators: the same bytes here.
    body = json.dumps(data, separators=(",", ":"))
    return Response(body, media_type="application/json")


async def _rows(sql: str, *params: Any) -> list[aiosqlite.Row]:
    async with DB["db"].execute(sql, params) as cursor:
        return list(await cursor.fetchall())


async def _signed_in(request: Request) -> bool:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return False
    rows = await _rows(
        "SELECT 1 FROM session WHERE token_hash = ? AND revoked_at IS NULL AND expires_at > ?",
        token_hash(token),
        _stored(utcnow()),
    )
    return bool(rows)


def signed_in(handler: Handler) -> Handler:
    """The handler behind memberhub's session check: 401 without a live session."""

    async def checked(request: Request) -> Response:
        if not await _signed_in(request):
            return JSONResponse({"errors": [{"message": "sign in"}]}, status_code=401)
        return await handler(request)

    return checked


# -- W1: one member's detail -----------------------------------------------------------

MEMBER_SQL = """SELECT m.*, t.code AS t_code, t.name AS t_name, t.rank AS t_rank,
  t.points_multiplier AS t_multiplier FROM member m JOIN tier t ON t.id = m.tier_id
  WHERE m.id = ?"""
HISTORY_SQL = """SELECT c.reason, c.at, c.note, f.code AS from_code, t.code AS to_code
  FROM tier_change c LEFT JOIN tier f ON f.id = c.from_tier_id JOIN tier t ON t.id = c.to_tier_id
  WHERE c.member_id = ? ORDER BY c.at, c.id"""
QUALIFYING_SQL = """SELECT SUM(amount - refunded_amount) AS spend,
  COUNT(CASE WHEN CAST(refunded_amount AS NUMERIC) < CAST(amount AS NUMERIC) THEN 1 END) AS orders
  FROM purchase WHERE member_id = ? AND occurred_at > ? AND occurred_at <= ?"""
LEDGER_SQL = """SELECT e.id, e.kind, e.points, e.balance_after, e.reason, e.expires_at,
  e.purchase_id, e.created_at, s.display_name FROM points_entry e
  LEFT JOIN staff_user s ON s.id = e.created_by_id WHERE e.member_id = ? ORDER BY e.id"""
TAGS_SQL = """SELECT d.code, d.name, d.category, mt.source, mt.assigned_at, s.display_name
  FROM member_tag mt JOIN tag_definition d ON d.id = mt.tag_id
  LEFT JOIN staff_user s ON s.id = mt.assigned_by_id
  WHERE mt.member_id IN ({ids}) ORDER BY mt.assigned_at, mt.id"""
BENEFITS_SQL = """SELECT b.* FROM benefit_tier bt JOIN benefit b ON b.id = bt.benefit_id
  WHERE bt.tier_id = ? ORDER BY b.code"""
USAGE_SQL = "SELECT benefit_id, used_at FROM benefit_usage WHERE member_id = ? AND revoked = 0"


def _tier_history(rows: list[aiosqlite.Row]) -> list[dict[str, Any]]:
    return [
        {
            "from": {"code": row["from_code"]} if row["from_code"] else None,
            "to": {"code": row["to_code"]},
            "reason": row["reason"],
            "at": _time_text(row["at"]),
            "note": row["note"],
        }
        for row in rows
    ]


def _ledger(rows: list[aiosqlite.Row], today: date) -> tuple[int, dict[str, Any]]:
    entries = [
        SimpleNamespace(
            id=row["id"],
            kind=row["kind"],
            points=row["points"],
            expires_at=_time(row["expires_at"]),
            purchase_id=row["purchase_id"],
        )
        for row in rows
    ]
    # The baseline runs the service rules on SimpleNamespace rows (no ORM): arg-type below.
    expiring = points_expiring_by(entries, end_of_next_month(today))  # type: ignore[arg-type]
    page = [
        {
            "node": {
                "id": to_global_id("PointsEntry", row["id"]),
                "kind": row["kind"],
                "points": row["points"],
                "balanceAfter": row["balance_after"],
                "reason": row["reason"],
                "createdAt": _time_text(row["created_at"]),
                "createdBy": {"displayName": row["display_name"]} if row["display_name"] else None,
            }
        }
        for row in reversed(rows[-20:])
    ]
    return expiring, {"totalCount": len(rows), "edges": page}


def _tags(rows: list[aiosqlite.Row], detail: bool) -> list[dict[str, Any]]:
    tags = []
    for row in rows:
        tag: dict[str, Any] = {
            "tag": {"code": row["code"], "name": row["name"], "category": row["category"]},
            "source": row["source"],
        }
        if detail:
            tag["assignedAt"] = _time_text(row["assigned_at"])
            tag["assignedBy"] = (
                {"displayName": row["display_name"]} if row["display_name"] else None
            )
        tags.append(tag)
    return tags


def _benefits(
    member: SimpleNamespace, rows: list[aiosqlite.Row], usages: list[aiosqlite.Row], now: datetime
) -> list[dict[str, Any]]:
    standings = []
    for row in rows:
        benefit = SimpleNamespace(**dict(row))
        benefit.active_from = _time(row["active_from"])
        benefit.active_until = _time(row["active_until"])
        if not is_active(benefit, now):  # type: ignore[arg-type]
            continue
        start = period_start(benefit, now)  # type: ignore[arg-type]
        used = (
            sum(
                1  # type: ignore[misc]
                for usage in usages
                if usage["benefit_id"] == benefit.id
                and (start is None or _time(usage["used_at"]) >= start)  # type: ignore[operator]
            )
            if benefit.usage_limit is not None
            else 0
        )
        refused = refusal(member, benefit, held=True, used=used, now=now)  # type: ignore[arg-type]
        standings.append(
            {
                "benefit": {
                    "code": benefit.code,
                    "name": benefit.name,
                    "category": benefit.category,
                },
                "eligible": refused is None,
                "reason": refused.reason if refused else None,
                "usesLeft": uses_left(benefit, used),  # type: ignore[arg-type]
            }
        )
    return standings


def _money(value: Any) -> str:
    return decimal_text(Decimal(str(value or 0)))


@signed_in
async def member_detail(request: Request) -> Response:
    member_id = int((await request.json())["id"])
    now = utcnow()
    today = local_date(now)
    rows = await _rows(MEMBER_SQL, member_id)
    if not rows:
        return _json({"data": {"member": None}})
    m = rows[0]
    birth = date.fromisoformat(m["birth_date"]) if m["birth_date"] else None
    qualifying = (
        await _rows(
            QUALIFYING_SQL,
            member_id,
            _stored(months_before(now, get_settings().tier_window_months)),
            _stored(now),
        )
    )[0]
    expiring, ledger = _ledger(await _rows(LEDGER_SQL, member_id), today)
    member = SimpleNamespace(
        status=m["status"], birth_date=birth, points_balance=m["points_balance"]
    )
    data = {
        "id": to_global_id("Member", member_id),
        "memberNo": m["member_no"],
        "status": m["status"],
        "enrollmentChannel": m["enrollment_channel"],
        "joinedAt": _time_text(m["joined_at"]),
        "name": m["name"],
        "gender": m["gender"],
        "birthDate": m["birth_date"],
        "ageBand": age_band(birth, today),
        "phone": m["phone"],
        "email": m["email"],
        "address": m["address"],
        "idNumber": crypto.decrypt(m["id_number_enc"]),
        "consents": {
            "marketingSms": bool(m["marketing_sms"]),
            "marketingEmail": bool(m["marketing_email"]),
            "marketingPhone": bool(m["marketing_phone"]),
            "marketingPush": bool(m["marketing_push"]),
            "profiling": bool(m["profiling"]),
        },
        "tier": {
            "code": m["t_code"],
            "name": m["t_name"],
            "rank": m["t_rank"],
            "pointsMultiplier": float(Decimal(str(m["t_multiplier"]))),
        },
        "tierHistory": _tier_history(await _rows(HISTORY_SQL, member_id)),
        "qualifyingSpend": _money(qualifying["spend"]),
        "qualifyingOrders": qualifying["orders"],
        "lifetimeSpend": _money(m["lifetime_spend"]),
        "pointsBalance": m["points_balance"],
        "pointsExpiringBy": expiring,
        "pointsLedger": ledger,
        "tags": _tags(await _rows(TAGS_SQL.format(ids="?"), member_id), detail=True),
        "benefits": _benefits(
            member, await _rows(BENEFITS_SQL, m["tier_id"]), await _rows(USAGE_SQL, member_id), now
        ),
    }
    return _json({"data": {"member": data}})


# -- W2: a page of members -------------------------------------------------------------

PAGE_SQL = """SELECT m.id, m.member_no, m.name, m.phone, m.status, m.joined_at,
  t.code, t.name AS t_name, t.rank FROM member m JOIN tier t ON t.id = m.tier_id
  ORDER BY m.joined_at, m.id LIMIT ? OFFSET ?"""


@signed_in
async def member_search(request: Request) -> Response:
    first = min(int((await request.json()).get("first") or PAGE), PAGE)
    total = (await _rows("SELECT COUNT(*) FROM member"))[0][0]
    page = await _rows(PAGE_SQL, first, 0)
    ids = [row["id"] for row in page]
    tags: dict[int, list[aiosqlite.Row]] = {member_id: [] for member_id in ids}
    if ids:
        sql = TAGS_SQL.replace("SELECT d.code", "SELECT mt.member_id, d.code")
        for row in await _rows(sql.format(ids=",".join("?" * len(ids))), *ids):
            tags[row["member_id"]].append(row)
    edges = [
        {
            "cursor": encode_cursor(position),
            "node": {
                "id": to_global_id("Member", row["id"]),
                "memberNo": row["member_no"],
                "name": row["name"],
                "phone": row["phone"],
                "status": row["status"],
                "joinedAt": _time_text(row["joined_at"]),
                "tier": {"code": row["code"], "name": row["t_name"], "rank": row["rank"]},
                "tags": _tags(tags[row["id"]], detail=False),
            },
        }
        for position, row in enumerate(page)
    ]
    page_info = {
        "hasNextPage": len(page) < total,
        "endCursor": edges[-1]["cursor"] if edges else None,
    }
    return _json(
        {"data": {"members": {"totalCount": total, "pageInfo": page_info, "edges": edges}}}
    )


# -- W3: record a purchase -------------------------------------------------------------


@signed_in
async def record_purchase(request: Request) -> Response:
    body = await request.json()
    member_id, order_ref, amount = int(body["memberId"]), body["orderRef"], Decimal(body["amount"])
    now = utcnow()
    async with WRITE_LOCK:
        return await _record(member_id, order_ref, amount, now)


async def _record(member_id: int, order_ref: str, amount: Decimal, now: datetime) -> Response:
    db = DB["db"]
    # BEGIN IMMEDIATE: the write lock first, as memberhub's ledger does across processes.
    await db.execute("BEGIN IMMEDIATE")
    try:
        tier = (
            await _rows(
                "SELECT t.code, t.name, t.points_multiplier FROM member m JOIN tier t "
                "ON t.id = m.tier_id WHERE m.id = ?",
                member_id,
            )
        )[0]
        points = int(
            (amount * Decimal(str(tier["points_multiplier"]))).to_integral_value(ROUND_FLOOR)
        )
        cursor = await db.execute(
            "INSERT INTO purchase (order_ref, member_id, amount, refunded_amount, occurred_at, "
            "points_earned, created_at) VALUES (?, ?, ?, 0, ?, ?, ?)",
            (order_ref, member_id, str(amount), _stored(now), points, _stored(now)),
        )
        purchase_id = cursor.lastrowid
        balance = (
            await _rows(
                "UPDATE member SET points_balance = points_balance + ?, "
                "lifetime_spend = lifetime_spend + ?, last_purchase_at = ? WHERE id = ? "
                "RETURNING points_balance",
                points,
                str(amount),
                _stored(now),
                member_id,
            )
        )[0][0]
        await db.execute(
            "INSERT INTO points_entry (member_id, kind, points, balance_after, reason, "
            "purchase_id, created_at) VALUES (?, 'EARN', ?, ?, ?, ?, ?)",
            (member_id, points, balance, f"Purchase {order_ref}", purchase_id, _stored(now)),
        )
        await db.commit()
    except BaseException:
        await db.rollback()
        raise
    return _json(
        {
            "data": {
                "recordPurchase": {
                    "purchase": {
                        "id": to_global_id("Purchase", purchase_id),
                        "orderRef": order_ref,
                        "amount": decimal_text(amount),
                        "pointsEarned": points,
                        "occurredAt": now.isoformat(),
                    },
                    "tierChange": None,
                    "member": {
                        "id": to_global_id("Member", member_id),
                        "pointsBalance": balance,
                        "tier": {"code": tier["code"], "name": tier["name"]},
                    },
                    "errors": [],
                }
            }
        }
    )


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    db = await aiosqlite.connect(os.environ["BENCH_DATABASE"], isolation_level=None)
    db.row_factory = aiosqlite.Row
    await db.execute("PRAGMA journal_mode=WAL")
    await db.execute("PRAGMA busy_timeout=5000")
    DB["db"] = db
    yield
    await db.close()


app = Starlette(
    routes=[
        Route("/w1", member_detail, methods=["POST"]),
        Route("/w2", member_search, methods=["POST"]),
        Route("/w3", record_purchase, methods=["POST"]),
        Route("/healthz", healthz),
    ],
    lifespan=lifespan,
)
