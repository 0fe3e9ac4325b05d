"""The typed `Info` every schema resolver gets: strawberry's, holding our Context."""

from __future__ import annotations

from strawberry.types import Info as StrawberryInfo

from resolvers.context import Context

Info = StrawberryInfo[Context, None]
