"""The enrolment fixtures of tests/members, for events from real approvals."""

from tests.members.conftest import reviewer, tiers

__all__ = ["reviewer", "tiers"]
