"""What each programme says, and whether it is marketing (DESIGN §2, §8).

Consent, decided by DESIGN §2 and §8 (MARKETING needs the channel's consent):
- the satisfaction survey asks about a purchase the member made, and the profile reminder
  serves the membership policy's duty to keep member data current: service messages
  (SURVEY, NOTIFICATION), sent whatever the marketing consents;
- the churn warning without a coupon is a CARE message, a service one; naming a benefit
  code or coupon it promotes, and so does a birthday greeting (it names the tier's
  birthday benefits): both are marketing. They go only to members who consented to
  MARKETING on the channel used, and are stored with the category MARKETING, so the
  outbox checks that consent again when it sends them and waits out the quiet hours.
Every message goes on the channel of the notices (EMAIL, else SMS). A greeting and a care
message name the member: that name is erased with the content of their communications.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.enums import CommunicationCategory, ProgrammeCode
from models.programme import ProgrammeSetting
from services.programmes.audience import Candidate


@dataclass(frozen=True)
class Message:
    category: CommunicationCategory
    subject: str
    content: str


def is_marketing(setting: ProgrammeSetting) -> bool:
    return setting.code is ProgrammeCode.BIRTHDAY_GREETING or (
        setting.code is ProgrammeCode.CHURN_WARNING and setting.benefit_code is not None
    )


def _dear(candidate: Candidate) -> str:
    return f"Dear {candidate.name}," if candidate.name else "Dear member,"


def care(setting: ProgrammeSetting, candidate: Candidate) -> Message:
    offer = (
        f" As a thank-you, use the code {setting.benefit_code} on your next order."
        if setting.benefit_code
        else ""
    )
    category = CommunicationCategory.MARKETING if offer else CommunicationCategory.CARE
    return Message(
        category,
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
