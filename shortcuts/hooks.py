"""strawberry's extension hooks, worked out once per extension class and stage.

For every operation strawberry builds a context manager per stage (operation, parsing,
validation, execution) over the request's extensions, and each asks every extension
for its hook anew: an attribute lookup, `inspect` tests and a `contextlib` wrapper
made around the bound method, about 40 us a request with this schema's ten extensions
(issue 7). Which hook a class has, and how it is wrapped, never changes: here that is
worked out once, and a request only binds it to its own extension objects.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable
from functools import partial
from typing import Any

import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import (
    ExecutingContextManager,
    ExtensionContextManagerBase,
    OperationContextManager,
    ParsingContextManager,
    ValidationContextManager,
    WrappedHook,
)
from strawberry.extensions.runner import SchemaExtensionsRunner

# How an extension class's hook for a stage binds to one of its objects: None for no hook.
Binder = Callable[[SchemaExtension], WrappedHook] | None
_PLANS: dict[tuple[type[SchemaExtension], str], Binder] = {}


def _plan(cls: type[SchemaExtension], stage: str) -> Binder:
    hook = getattr(cls, stage)
    if hook is getattr(SchemaExtension, stage):
        return None
    if inspect.isgeneratorfunction(hook):
        wrapper: Callable[..., Any] = contextlib.contextmanager(hook)
        is_async = False
    elif inspect.isasyncgenfunction(hook):
        wrapper, is_async = contextlib.asynccontextmanager(hook), True
    else:  # a plain callable: strawberry wraps it per object
        return lambda extension: ExtensionContextManagerBase.from_callable(extension, hook)
    return lambda extension: WrappedHook(extension, partial(wrapper, extension), is_async)


class _Planned(ExtensionContextManagerBase):
    def get_hook(self, extension: SchemaExtension) -> WrappedHook | None:
        key = (type(extension), self.HOOK_NAME)
        if key not in _PLANS:
            _PLANS[key] = _plan(type(extension), self.HOOK_NAME)
        bind = _PLANS[key]
        return bind(extension) if bind is not None else None


class _Operation(_Planned, OperationContextManager):
    pass


class _Parsing(_Planned, ParsingContextManager):
    pass


class _Validation(_Planned, ValidationContextManager):
    pass


class _Executing(_Planned, ExecutingContextManager):
    pass


class PlannedRunner(SchemaExtensionsRunner):
    def operation(self) -> OperationContextManager:
        return _Operation(self.extensions)

    def parsing(self) -> ParsingContextManager:
        return _Parsing(self.extensions)

    def validation(self) -> ValidationContextManager:
        return _Validation(self.extensions)

    def executing(self) -> ExecutingContextManager:
        return _Executing(self.extensions)


class Schema(strawberry.Schema):
    """strawberry's Schema, its extensions run with hooks worked out once."""

    def create_extensions_runner(
        self, execution_context: Any, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        return PlannedRunner(execution_context=execution_context, extensions=extensions)
