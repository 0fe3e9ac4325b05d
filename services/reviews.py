"""What records proposed by one staff member and reviewed by another share (DESIGN §2
"Tags", §9 "Campaigns"): their code, their texts and the four-eyes rule."""

from __future__ import annotations

import re
from collections.abc import Sequence

from models.enums import ReviewDecision
from services.errors import Invalid, NotAllowed
from services.validation import clean_text

# Codes appear in filters and client code: short, no spaces.
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
MAX_NAME = 128
MAX_NOTE = 2000


def clean_code(value: str, field: Sequence[str] = ("input", "code")) -> str:
    code = value.strip()
    if not CODE.match(code):
        raise Invalid(
            "A code has 1 to 64 letters, digits or _ . : - and starts with a letter or digit.",
            field,
        )
    return code


def limited_text(
    value: str | None, limit: int, field: Sequence[str], required: bool = False
) -> str | None:
    """`clean_text` of at most `limit` characters; Invalid at `field` otherwise."""
    text = clean_text(value, field, required=required)
    if text is not None and len(text) > limit:
        raise Invalid(f"At most {limit} characters.", field)
    return text


def approves(
    decision: ReviewDecision, proposer_id: int | None, reviewer_id: int | None, what: str
) -> bool:
    """Whether the review approves. Four eyes: the proposer may not approve their own
    proposal (NotAllowed, a FORBIDDEN error); they may reject it."""
    approve = decision is ReviewDecision.APPROVE
    if approve and proposer_id is not None and proposer_id == reviewer_id:
        raise NotAllowed(f"Another staff member must approve a {what} you proposed.")
    return approve
