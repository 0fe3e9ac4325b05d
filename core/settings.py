"""Every MEMBERHUB_* setting, read once from the environment.

README's configuration table lists the same names and defaults; `SETTINGS_DOC`
below is that table's source so the two cannot drift.
"""

from __future__ import annotations

import os
from dataclasses import MISSING, dataclass, field, fields
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from croniter import croniter

# A schedule setting's value that runs its job never.
OFF = "off"


class InvalidSetting(ValueError):
    """A MEMBERHUB_* value memberhub cannot run with: the message names it and says why."""


def _env(name: str, default: str) -> str:
    return os.environ.get(f"MEMBERHUB_{name}", default)


def _int(name: str, default: int) -> int:
    return int(_env(name, str(default)))


def _list(name: str) -> tuple[str, ...]:
    raw = _env(name, "")
    return tuple(item.strip() for item in raw.split(",") if item.strip())


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite://memberhub.db"
    sqlite_wal_limit_mb: int = 64
    env: str = "development"
    timezone: str = "Asia/Shanghai"
    currency: str = "CNY"
    introspection: str = "on"
    data_key: str = ""
    key_file: str = "memberhub.key"
    session_hours: int = 12
    max_depth: int = 10
    max_tokens: int = 2000
    max_aliases: int = 15
    max_page_size: int = 100
    points_per_cash_unit: int = 100
    points_expiry_months: int = 24
    tier_window_months: int = 12
    response_hours: int = 24
    complaint_resolution_hours: int = 48
    inquiry_resolution_hours: int = 72
    suggestion_resolution_hours: int = 168
    churn_days: int = 180
    new_days: int = 90
    at_risk_days: int = 90
    termination_notice_days: int = 30
    apply_rate_limit: int = 10
    survey_rate_limit: int = 30
    login_address_limit: int = 30
    login_address_window: int = 60
    login_account_limit: int = 10
    login_account_window: int = 900
    password_hash_concurrency: int = 1
    password_hash_queue: int = 16
    allowed_origins: tuple[str, ...] = field(default_factory=tuple)
    trusted_documents: str = "off"
    trusted_documents_file: str = "trusted-documents.json"
    max_cost: int = 50000
    max_cost_member: int = 20000
    max_cost_anonymous: int = 15000
    operation_timeout_seconds: float = 10.0
    max_body_bytes: int = 1024 * 1024
    max_response_bytes: int = 8 * 1024 * 1024
    smtp_url: str = ""
    mail_from: str = "memberhub@localhost"
    sms_gateway_url: str = ""
    push_gateway_url: str = ""
    gateway_secret: str = ""
    delivery_sink: str = "deliveries.jsonl"
    delivery_max_attempts: int = 12
    quiet_hours: str = "21-09"
    webhook_allow_private: str = "off"
    schedule_points_expiry: str = "0 2 * * *"
    schedule_terminations: str = "0 * * * *"
    schedule_tag_refresh: str = "0 3 * * *"
    schedule_tier_evaluation: str = "0 4 1 1,4,7,10 *"
    schedule_programmes: str = "0 10 * * *"
    points_expiry_notice_days: int = 30
    schedule_points_expiry_notice: str = "0 9 * * *"
    schedule_case_deadlines: str = "*/15 * * * *"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def cash_per_point(self) -> Decimal:
        return Decimal(1) / Decimal(self.points_per_cash_unit)


SETTINGS_DOC: dict[str, str] = {
    "database_url": "Tortoise URL: sqlite:///abs/path.db, sqlite://relative.db or "
    "postgres://user:password@host:port/db",
    "sqlite_wal_limit_mb": "SQLite only: MiB the write-ahead log is kept under (a checkpoint "
    "empties it once it passes a quarter of this; SQLite truncates it to this after each restart)",
    "env": "development or production",
    "timezone": "business time zone for birthdays, months and expiry",
    "currency": "currency of all money amounts",
    "introspection": "on, staff (signed-in staff only) or off; production default: staff",
    "data_key": "base64 32-byte AES key for idNumber encryption; empty: use the key file",
    "key_file": "key file created on first start when no data key is given",
    "session_hours": "lifetime of a login session",
    "max_depth": "maximum query depth",
    "max_tokens": "maximum tokens in a document",
    "max_aliases": "maximum aliases in a document",
    "max_page_size": "largest `first` of any connection",
    "points_per_cash_unit": "points worth one currency unit in CASH_OFFSET redemptions",
    "points_expiry_months": "months after a purchase's month before its points expire",
    "tier_window_months": "tier qualification window (rolling months)",
    "response_hours": "first-response deadline of every service case",
    "complaint_resolution_hours": "resolution deadline of complaints",
    "inquiry_resolution_hours": "resolution deadline of inquiries",
    "suggestion_resolution_hours": "resolution deadline of suggestions",
    "churn_days": "days without purchase after which an ACTIVE member counts as churned",
    "new_days": "days after joining during which a member's lifecycle stage is NEW",
    "at_risk_days": "days without purchase after which a member's lifecycle stage is AT_RISK "
    "(CHURNED after `MEMBERHUB_CHURN_DAYS`)",
    "termination_notice_days": "default notice before a non-voluntary termination takes effect",
    "apply_rate_limit": "membership applications per client address per hour by callers not "
    "signed in as staff",
    "survey_rate_limit": "survey answers (`respondToSurvey`) per client address per hour",
    "login_address_limit": "sign-in attempts per client address (an IPv6 address's /64) per "
    "`MEMBERHUB_LOGIN_ADDRESS_WINDOW`",
    "login_address_window": "seconds over which sign-in attempts per address are counted",
    "login_account_limit": "sign-in attempts per username or member identifier, known or not, "
    "per `MEMBERHUB_LOGIN_ACCOUNT_WINDOW` (the lockout after 5 failures applies besides)",
    "login_account_window": "seconds over which sign-in attempts per account are counted",
    "password_hash_concurrency": "password hashes computed at once per server process, off the "
    "event loop (one argon2 hash already runs its lanes on several cores)",
    "password_hash_queue": "password checks that may wait for a hash per server process; more "
    "are refused at once with RATE_LIMITED",
    "allowed_origins": "comma-separated browser origins allowed for CORS and WebSockets",
    "trusted_documents": "off or required (members and anonymous callers: listed operations only)",
    "trusted_documents_file": "manifest of trusted operation hashes",
    "max_cost": "largest query cost of staff (each field 1, every list multiplied by the "
    "most items it can hold: `first`, or its declared bound)",
    "max_cost_member": "largest query cost of signed-in members",
    "max_cost_anonymous": "largest query cost of anonymous callers (room for the whole "
    "schema's introspection, which GraphiQL and client generators send before sign-in)",
    "operation_timeout_seconds": "a query or mutation still running after this long is stopped "
    "(OPERATION_TIMEOUT; a mutation's changes roll back)",
    "max_body_bytes": "largest request body; a larger one is refused with 413 before it is read",
    "max_response_bytes": "largest response body; a larger answer is replaced by "
    "RESPONSE_TOO_LARGE",
    "smtp_url": "mail server for EMAIL: smtp://, smtp+starttls:// or "
    "smtps://user:password@host:port; empty: none",
    "mail_from": "sender address of every mail",
    "sms_gateway_url": "messaging gateway receiving SMS as a signed HTTP POST; empty: none",
    "push_gateway_url": "messaging gateway receiving APP_PUSH as a signed HTTP POST; empty: none",
    "gateway_secret": "Standard Webhooks secret (whsec_...) signing the gateway POSTs; required "
    "with a gateway URL",
    "delivery_sink": "JSON-lines file receiving every delivery of a channel with nothing "
    "configured; off: none",
    "delivery_max_attempts": "attempts of a delivery before it is FAILED (retries back off "
    "exponentially with jitter: 12 take about a day)",
    "quiet_hours": "local hours (business time zone) in which MARKETING waits, as start-end; "
    "off: none",
    "webhook_allow_private": "on: webhook endpoints may be loopback, link-local or private "
    "addresses in production too (development always allows them); off: refused there",
    "schedule_points_expiry": "when the worker runs points-expiry: cron (minute hour day month "
    "weekday) in the business time zone, or off",
    "schedule_terminations": "when the worker runs terminations (cron, or off)",
    "schedule_tag_refresh": "when the worker runs tag-refresh (cron, or off)",
    "schedule_tier_evaluation": "when the worker runs tier-evaluation (cron, or off)",
    "schedule_programmes": "when the worker runs the programmes job (cron, or off): every "
    "enabled programme once per slot",
    "points_expiry_notice_days": "days before a points lot expires that its member is told "
    "(one NOTIFICATION a month)",
    "schedule_points_expiry_notice": "when the worker runs points-expiry-notice (cron, or off)",
    "schedule_case_deadlines": "when the worker runs case-deadlines (cron, or off)",
}


def env_name(attr: str) -> str:
    return f"MEMBERHUB_{attr.upper()}"


def default_of(attr: str) -> str:
    spec = next(f for f in fields(Settings) if f.name == attr)
    # Without a default a setting has a default_factory.
    value = spec.default_factory() if spec.default is MISSING else spec.default  # type: ignore[operator]
    if attr == "introspection":
        return "on (development), staff (production)"
    if attr == "delivery_sink":
        return "deliveries.jsonl (development), off (production)"
    return "" if value == () or value is None else str(value)


def _schedule(name: str, default: str) -> str:
    """A schedule setting: OFF, or a cron expression of five fields (croniter's syntax)."""
    value = " ".join(_env(name, default).split())
    if value == OFF:
        return value
    # Six fields would be croniter's seconds: a job due every second is never meant.
    if len(value.split()) > 5 or not croniter.is_valid(value):
        raise InvalidSetting(
            f"MEMBERHUB_{name}={value!r} is not a cron expression: give five fields "
            f'(minute hour day month weekday, e.g. "0 2 * * *") or {OFF!r}'
        )
    return value


def _at_least_one(name: str, default: int) -> int:
    value = _int(name, default)
    if value < 1:
        raise InvalidSetting(f"MEMBERHUB_{name}={value} must be at least 1")
    return value


def load_settings() -> Settings:
    env = _env("ENV", "development")
    return Settings(
        database_url=_env("DATABASE_URL", Settings.database_url),
        sqlite_wal_limit_mb=_at_least_one("SQLITE_WAL_LIMIT_MB", Settings.sqlite_wal_limit_mb),
        env=env,
        timezone=_env("TIMEZONE", Settings.timezone),
        currency=_env("CURRENCY", Settings.currency),
        introspection=_env("INTROSPECTION", "staff" if env == "production" else "on"),
        data_key=_env("DATA_KEY", ""),
        key_file=_env("KEY_FILE", Settings.key_file),
        session_hours=_int("SESSION_HOURS", Settings.session_hours),
        max_depth=_int("MAX_DEPTH", Settings.max_depth),
        max_tokens=_int("MAX_TOKENS", Settings.max_tokens),
        max_aliases=_int("MAX_ALIASES", Settings.max_aliases),
        max_page_size=_int("MAX_PAGE_SIZE", Settings.max_page_size),
        points_per_cash_unit=_int("POINTS_PER_CASH_UNIT", Settings.points_per_cash_unit),
        points_expiry_months=_int("POINTS_EXPIRY_MONTHS", Settings.points_expiry_months),
        tier_window_months=_int("TIER_WINDOW_MONTHS", Settings.tier_window_months),
        response_hours=_int("RESPONSE_HOURS", Settings.response_hours),
        complaint_resolution_hours=_int(
            "COMPLAINT_RESOLUTION_HOURS", Settings.complaint_resolution_hours
        ),
        inquiry_resolution_hours=_int(
            "INQUIRY_RESOLUTION_HOURS", Settings.inquiry_resolution_hours
        ),
        suggestion_resolution_hours=_int(
            "SUGGESTION_RESOLUTION_HOURS", Settings.suggestion_resolution_hours
        ),
        churn_days=_int("CHURN_DAYS", Settings.churn_days),
        new_days=_int("NEW_DAYS", Settings.new_days),
        at_risk_days=_int("AT_RISK_DAYS", Settings.at_risk_days),
        termination_notice_days=_int("TERMINATION_NOTICE_DAYS", Settings.termination_notice_days),
        apply_rate_limit=_int("APPLY_RATE_LIMIT", Settings.apply_rate_limit),
        survey_rate_limit=_int("SURVEY_RATE_LIMIT", Settings.survey_rate_limit),
        login_address_limit=_int("LOGIN_ADDRESS_LIMIT", Settings.login_address_limit),
        login_address_window=_int("LOGIN_ADDRESS_WINDOW", Settings.login_address_window),
        login_account_limit=_int("LOGIN_ACCOUNT_LIMIT", Settings.login_account_limit),
        login_account_window=_int("LOGIN_ACCOUNT_WINDOW", Settings.login_account_window),
        password_hash_concurrency=_int(
            "PASSWORD_HASH_CONCURRENCY", Settings.password_hash_concurrency
        ),
        password_hash_queue=_int("PASSWORD_HASH_QUEUE", Settings.password_hash_queue),
        allowed_origins=_list("ALLOWED_ORIGINS"),
        trusted_documents=_env("TRUSTED_DOCUMENTS", Settings.trusted_documents),
        trusted_documents_file=_env("TRUSTED_DOCUMENTS_FILE", Settings.trusted_documents_file),
        max_cost=_int("MAX_COST", Settings.max_cost),
        max_cost_member=_int("MAX_COST_MEMBER", Settings.max_cost_member),
        max_cost_anonymous=_int("MAX_COST_ANONYMOUS", Settings.max_cost_anonymous),
        operation_timeout_seconds=float(
            _env("OPERATION_TIMEOUT_SECONDS", str(Settings.operation_timeout_seconds))
        ),
        max_body_bytes=_int("MAX_BODY_BYTES", Settings.max_body_bytes),
        max_response_bytes=_int("MAX_RESPONSE_BYTES", Settings.max_response_bytes),
        smtp_url=_env("SMTP_URL", Settings.smtp_url),
        mail_from=_env("MAIL_FROM", Settings.mail_from),
        sms_gateway_url=_env("SMS_GATEWAY_URL", Settings.sms_gateway_url),
        push_gateway_url=_env("PUSH_GATEWAY_URL", Settings.push_gateway_url),
        gateway_secret=_env("GATEWAY_SECRET", Settings.gateway_secret),
        delivery_sink=_env("DELIVERY_SINK", "off" if env == "production" else "deliveries.jsonl"),
        delivery_max_attempts=_int("DELIVERY_MAX_ATTEMPTS", Settings.delivery_max_attempts),
        quiet_hours=_env("QUIET_HOURS", Settings.quiet_hours),
        webhook_allow_private=_env("WEBHOOK_ALLOW_PRIVATE", Settings.webhook_allow_private),
        schedule_points_expiry=_schedule("SCHEDULE_POINTS_EXPIRY", Settings.schedule_points_expiry),
        schedule_terminations=_schedule("SCHEDULE_TERMINATIONS", Settings.schedule_terminations),
        schedule_tag_refresh=_schedule("SCHEDULE_TAG_REFRESH", Settings.schedule_tag_refresh),
        schedule_tier_evaluation=_schedule(
            "SCHEDULE_TIER_EVALUATION", Settings.schedule_tier_evaluation
        ),
        schedule_programmes=_schedule("SCHEDULE_PROGRAMMES", Settings.schedule_programmes),
        points_expiry_notice_days=_int(
            "POINTS_EXPIRY_NOTICE_DAYS", Settings.points_expiry_notice_days
        ),
        schedule_points_expiry_notice=_schedule(
            "SCHEDULE_POINTS_EXPIRY_NOTICE", Settings.schedule_points_expiry_notice
        ),
        schedule_case_deadlines=_schedule(
            "SCHEDULE_CASE_DEADLINES", Settings.schedule_case_deadlines
        ),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()


def settings_table() -> str:
    """The README's configuration table, generated so it cannot drift from the code."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for attr, meaning in SETTINGS_DOC.items():
        default = default_of(attr)
        rows.append(
            f"| `{env_name(attr)}` | {f'`{default}`' if default else '(empty)'} | {meaning} |"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    print(settings_table())
