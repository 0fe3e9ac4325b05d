"""The read path's shortcuts (schema/execution.py, schema/prefetch.py) change speed only."""

from __future__ import annotations

from types import SimpleNamespace

from strawberry.types.nodes import SelectedField

from models.member import Member
from models.points import Purchase
from models.tier import Tier
from resolvers.loaders import Loaders
from schema.execution import is_awaitable
from schema.prefetch import prefetch
from schema.tiers import MemberTierFields
from services.clock import utcnow
from services.rows import fetch_all, models_from
from tests.factories import make_member, make_purchase, make_tiers


async def test_a_row_is_a_value_and_a_coroutine_is_awaited(db):
    member = Member(member_no="M1")

    async def later() -> int:
        return 1

    pending = later()
    assert not is_awaitable(member)
    assert is_awaitable(pending)
    assert await pending == 1


async def test_a_prefetched_relation_completes_in_place_and_an_unfetched_one_waits(db):
    tiers = await make_tiers()
    fetched, other = await make_member(tier=tiers[1]), await make_member(tier=tiers[2])
    loaders = Loaders()
    info = SimpleNamespace(context=SimpleNamespace(loaders=loaders))
    tier = SelectedField(name="tier", directives={}, arguments={}, selections=[])

    await prefetch(loaders, [fetched], [tier])

    resolved = MemberTierFields.tier(fetched, info)  # type: ignore[arg-type]
    assert resolved.code == tiers[1].code
    # The ladder is read whole at its first load: another member's tier is there too.
    assert MemberTierFields.tier(other, info).code == tiers[2].code  # type: ignore[arg-type]

    fresh = SimpleNamespace(context=SimpleNamespace(loaders=Loaders()))
    waiting = MemberTierFields.tier(fetched, fresh)  # type: ignore[arg-type]
    assert is_awaitable(waiting)
    assert (await waiting).code == tiers[1].code


async def test_models_built_from_rows_equal_the_ones_tortoise_builds(db):
    tiers = await make_tiers()
    member = await make_member(tier=tiers[2], last_purchase_at=utcnow(), locked_until=None)
    await make_purchase(member, "120.50", utcnow(), refunded="20.50")
    for model in (Member, Tier, Purchase):
        queryset = model.all().order_by("id")
        expected = await queryset
        built = await fetch_all(model.all().order_by("id"))
        assert [vars(row) for row in built] == [vars(row) for row in expected]
        assert all(type(row) is model for row in built)


async def test_rows_lacking_a_field_are_left_to_tortoise(db):
    await make_member()
    _, rows = await Member._meta.db.execute_query('SELECT "id", "member_no" FROM "member"')

    [partial] = models_from(Member, rows)

    assert partial._partial and partial.member_no.startswith("T")
