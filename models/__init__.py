"""Tortoise models, one module per area (DESIGN §1)."""

MODEL_MODULES = [
    "models.staff",
    "models.member",
    "models.tier",
    "models.points",
    "models.benefit",
    "models.tag",
    "models.communication",
    "models.audit",
]
