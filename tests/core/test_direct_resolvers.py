"""Methods with plain arguments, or none, called directly (shortcuts/direct.py) answer as
strawberry's wrapper answers them; any other argument keeps the wrapper."""

from __future__ import annotations

import enum
from collections.abc import AsyncGenerator
from datetime import date

import pytest
import strawberry
from strawberry.relay import GlobalID

from schema.scalars import SCALAR_MAP
from shortcuts import direct


@strawberry.enum
class Kind(enum.Enum):
    EARN = "EARN"
    REDEEM = "REDEEM"


@strawberry.input
class Window:
    first: int


@strawberry.type
class Member:
    name: str

    @strawberry.field
    def greeting(
        self,
        info: strawberry.Info,
        first_name: str,
        kind: Kind | None = None,
        on_day: date | None = None,
        times: int = 1,
    ) -> str:
        assert info.field_name == "greeting"
        return f"{self.name}/{first_name}/{kind}/{on_day}/{times}" * times

    @strawberry.field
    async def later(self, shout: bool = False) -> str:
        return self.name.upper() if shout else self.name

    @strawberry.field
    async def initial(self, info: strawberry.Info) -> str:
        return f"{info.field_name}:{self.name[0]}"

    @strawberry.field
    def windowed(self, window: Window) -> int:
        return window.first

    @strawberry.field
    def by_global_id(self, id: GlobalID) -> str:
        return id.node_id


@strawberry.type
class Query:
    @strawberry.field
    def member(self, member_name: str) -> Member:
        return Member(name=member_name)


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def counted(self, up_to: int) -> AsyncGenerator[int, None]:
        for number in range(up_to):
            yield number


def _schemas() -> tuple[strawberry.Schema, strawberry.Schema]:
    def make() -> strawberry.Schema:
        config = strawberry.schema.config.StrawberryConfig(scalar_map=SCALAR_MAP)
        return strawberry.Schema(query=Query, subscription=Subscription, config=config)

    wrapped, direct_ = make(), make()
    direct.install(direct_)
    return wrapped, direct_


def test_only_methods_with_plain_arguments_are_bound_directly() -> None:
    wrapped, direct_ = _schemas()

    def changed(type_name: str) -> set[str]:
        old, new = wrapped._schema.type_map[type_name], direct_._schema.type_map[type_name]
        return {
            name
            for name in new.fields  # type: ignore[attr-defined]
            if new.fields[name].resolve is not old.fields[name].resolve  # type: ignore[attr-defined]
            and new.fields[name].resolve.__module__ == "shortcuts.direct"  # type: ignore[attr-defined]
        }

    assert changed("Member") == {"greeting", "later", "initial"}
    assert changed("Query") == {"member"}
    assert changed("Subscription") == set()


@pytest.mark.parametrize(
    ("document", "variables"),
    [
        ('{ member(memberName: "Ann") { greeting(firstName: "A") } }', None),
        (
            'query($k: Kind, $d: Date) { member(memberName: "Ann") {'
            ' greeting(firstName: "A", kind: $k, onDay: $d, times: 2) } }',
            {"k": "REDEEM", "d": "2026-02-28"},
        ),
        ('{ member(memberName: "Ann") { greeting(firstName: "A", kind: null) } }', None),
        ('{ member(memberName: "Ann") { greeting(firstName: "A", kind: EARN) } }', None),
        (
            'query($d: Date) { member(memberName: "A") { greeting(firstName: "x", onDay: $d) } }',
            {"d": "not a day"},
        ),
        ('{ member(memberName: "Bo") { later a: later(shout: true) initial } }', None),
        ('{ member(memberName: "Bo") { windowed(window: {first: 3}) } }', None),
        ('{ member(memberName: "Bo") { byGlobalId(id: "TWVtYmVyOjE=") } }', None),
        ('{ member(memberName: "Bo") { byGlobalId(id: "no") } }', None),
    ],
)
async def test_a_direct_method_answers_as_strawberrys_wrapper_does(document, variables) -> None:
    wrapped, direct_ = _schemas()
    expected = await wrapped.execute(document, variable_values=variables)
    found = await direct_.execute(document, variable_values=variables)
    assert (found.data, [e.formatted for e in found.errors or []]) == (
        expected.data,
        [e.formatted for e in expected.errors or []],
    )
    assert found.data is not None or found.errors


async def test_a_subscription_keeps_its_events() -> None:
    _, direct_ = _schemas()
    events = await direct_.subscribe("subscription { counted(upTo: 3) }")
    assert [event.data async for event in events] == [
        {"counted": 0},
        {"counted": 1},
        {"counted": 2},
    ]
