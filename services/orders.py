"""What counts as an order (DESIGN §2 "Points ledger"): a purchase refunded in full is no
longer one. The tier window and the tag facts count orders alike, in their SQL."""

KEPT_ORDER = "CAST(refunded_amount AS NUMERIC) < CAST(amount AS NUMERIC)"
