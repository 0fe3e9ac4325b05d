"""Tortoise models, one module per area (DESIGN §1).

Each foreign key's column attribute (`member_id` beside `member`) is declared as a bare
annotation: Tortoise sets it on the instance, the annotation tells the type checker."""

MODEL_MODULES = [
    "models.staff",
    "models.member",
    "models.tier",
    "models.points",
    "models.benefit",
    "models.tag",
    "models.campaign",
    "models.communication",
    "models.delivery",
    "models.webhook",
    "models.outreach",
    "models.programme",
    "models.audit",
    "models.job",
]
