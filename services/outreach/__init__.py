"""Contacting an audience with a random share held out, and measuring the effect against
those held out (DESIGN §10 "Effect"). Programme runs and sendCommunication both draw,
record and measure through here."""

from services.outreach.effect import DEFAULT_DAYS, Effect, clean_days, effects
from services.outreach.holdout import (
    Draw,
    add_to_outreach,
    clean_share,
    draw,
    held_out,
    new_seed,
    record_outreach,
)

__all__ = [
    "DEFAULT_DAYS",
    "Draw",
    "add_to_outreach",
    "Effect",
    "clean_days",
    "clean_share",
    "draw",
    "effects",
    "held_out",
    "new_seed",
    "record_outreach",
]
