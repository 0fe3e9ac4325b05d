"""What each programme says (DESIGN §10).

Consent: every programme message is one memberhub sends unasked, so it goes only to
members who consent to the channel used (the notices' channel: EMAIL, else SMS), and the
outbox asks that consent again and waits out the quiet hours when it sends it, as for
MARKETING: the message carries its programme (Communication.programme,
services/delivery/rules.py `unsolicited`). A member who withdraws consent gets no further
programme message, the ones already queued included.
Categories: the churn warning is a CARE message, with or without a coupon; the survey a
SURVEY; the profile reminder a NOTIFICATION; the birthday greeting, which promotes the
tier's birthday benefits, MARKETING.
A greeting and a care message name the member: that name is erased with the content of
their communications.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.enums import CommunicationCategory
from models.programme import ProgrammeSetting
from services.programmes.audience import Candidate


@dataclass(frozen=True)
class Message:
    category: CommunicationCategory
    subject: str
    content: str


def _dear(candidate: Candidate) -> str:
    return f"Dear {candidate.name}," if candidate.name else "Dear member,"


def care(setting: ProgrammeSetting, candidate: Candidate) -> Message:
    offer = (
        f" As a thank-you, use the code {setting.benefit_code} on your next order."
        if setting.benefit_code
        else ""
    )
    return Message(
        CommunicationCategory.CARE,
        "We miss you",
        f"{_dear(candidate)} we have not seen you for a while and hope all is well. We "
        f"would love to welcome you back.{offer}",
    )


def survey(candidate: Candidate, token: str) -> Message:
    return Message(
        CommunicationCategory.SURVEY,
        "How was your purchase?",
        f"{_dear(candidate)} how satisfied are you with your order {candidate.order_ref}? "
        f"Rate it from 1 to 5 with this one-time code, valid for 30 days: {token}",
    )


def reminder(candidate: Candidate) -> Message:
    return Message(
        CommunicationCategory.NOTIFICATION,
        "Is your profile up to date?",
        f"{_dear(candidate)} please check that your contact details and profile are still "
        "right: update them, or confirm them unchanged, in your member account.",
    )


def greeting(candidate: Candidate, benefits: list[str]) -> Message:
    gifts = (
        f" As a {candidate.tier_name} member your birthday brings you: {'; '.join(benefits)}."
        if benefits
        else ""
    )
    return Message(
        CommunicationCategory.MARKETING,
        "Happy birthday!",
        f"{_dear(candidate)} happy birthday from all of us!{gifts}",
    )
