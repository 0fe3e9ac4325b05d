"""Which communications and cases a reader sees (DESIGN §3 "communications, cases")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.queryset import QuerySet

from models.communication import Communication, ServiceCase
from models.enums import CaseStatus, CommunicationCategory, ContactChannel
from services.cases import overdue_q


@dataclass(frozen=True)
class Visibility:
    """A reader's view: MARKETING staff see marketing only, members no internal notes."""

    marketing_only: bool = False
    internal_notes: bool = True

    @property
    def cases(self) -> bool:
        """No case is a MARKETING communication, so marketing-only readers see none."""
        return not self.marketing_only


@dataclass(frozen=True)
class CommunicationFilter:
    visibility: Visibility
    channel: ContactChannel | None = None
    category: CommunicationCategory | None = None


@dataclass(frozen=True)
class CaseFilter:
    visibility: Visibility
    status: CaseStatus | None = None
    overdue: bool | None = None
    # Overdue is judged against this instant (the request's now), not stored.
    now: datetime | None = None


def visible_communications(visibility: Visibility) -> QuerySet[Communication]:
    rows = Communication.all()
    if visibility.marketing_only:
        rows = rows.filter(category=CommunicationCategory.MARKETING)
    if not visibility.internal_notes:
        rows = rows.filter(internal=False)
    return rows


def communications(filter_: CommunicationFilter) -> QuerySet[Communication]:
    """Communications matching the filter that its reader may see."""
    rows = visible_communications(filter_.visibility)
    if filter_.channel is not None:
        rows = rows.filter(channel=filter_.channel)
    if filter_.category is not None:
        rows = rows.filter(category=filter_.category)
    return rows


def service_cases(filter_: CaseFilter) -> QuerySet[ServiceCase]:
    """Cases matching the filter that its reader may see."""
    rows = ServiceCase.all()
    if not filter_.visibility.cases:
        return rows.filter(id__in=[])
    if filter_.status is not None:
        rows = rows.filter(status=filter_.status)
    if filter_.overdue is not None:
        assert filter_.now is not None, "overdue needs the current time"
        late = overdue_q(filter_.now)
        rows = rows.filter(late) if filter_.overdue else rows.exclude(late)
    return rows
