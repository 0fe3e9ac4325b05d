"""graphql-core's execution, with three costs of this stack taken out (issue 7's profile).

1. Tortoise rows define `__await__` (so `await row` works in query chains), and
   graphql-core decides what to await with `hasattr(value, "__await__")`: every row a
   resolver returned, and every row of a list, cost a coroutine, a task and a trip
   through the event loop. Here a row is a value.
2. A plain column (a leaf field read off its row: an attribute, or a method of the row
   alone such as a global id) still went through graphql-core's whole field machinery:
   a resolve info, argument coercion, strawberry's result call, two awaitable checks and
   the completion dispatch, about three quarters of a wide page's time. Here it is its
   policy guard, the read and the leaf's own serialisation. Anything out of the ordinary
   (a denial, an error, a null where the schema says non-null) goes back through
   graphql-core, which reports it in its place.
3. A nested object or list already in hand (an attribute such as a connection's edges,
   or a relation a list prefetched) went through the same machinery before its own
   fields did. Here its guard admits it, the value is read, and its selection is
   executed in place, with graphql-core's error handling for what goes wrong inside.
4. graphql-core collects an object's fields once per request, and so did our plan of
   how each is answered. A selection no directive touches collects the same on every
   request that sends its document (the parser cache hands out one per text), and its
   plan differs only by the caller's roles: both are kept across requests.
5. graphql-core hands resolvers helpers bound to the executor, which holds them: a
   cycle, so each request's context, loaders and rows outlived it until a collection,
   and the collector spent a tenth of a member screen's time on them. Here the helpers
   reach the executor weakly, and a request is freed as it ends.
6. For the same reason an error raised on purpose (a refusal, a domain rule) drops its
   traceback once execution is done: its frames held the executor, which holds the
   error. A console whose role is refused a dozen fields per screen made a cycle each.
   Unexpected errors keep theirs, for the log.
7. All of this runs in the event loop's thread, where a page of 100 members took 5 ms
   in one piece: a long list is completed a few items at a time, the loop serving other
   requests in between (issue 28).
8. A search's page carries the same few tag definitions under every member's tags, and
   the same tiers: an object of leaves read as stored is completed once per request and
   its answer shared by every row that holds it; where a loader gives it, the answer is
   found by the row's key, without reading the loader again (issue 28).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from operator import attrgetter
from types import GeneratorType
from typing import Any, Protocol
from weakref import ref

import strawberry
from graphql import (
    GRAPHQL_MAX_INT,
    GRAPHQL_MIN_INT,
    GraphQLBoolean,
    GraphQLID,
    GraphQLInt,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfoHelpers,
    GraphQLString,
    Undefined,
    get_nullable_type,
    is_leaf_type,
)
from graphql.execution.collect_fields import CollectedFields, FragmentDetails
from graphql.execution.executor import invalid_return_type_error
from graphql.language import (
    FieldNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
)
from graphql.pyutils import Path, gather_with_cancel
from strawberry.execution import optimized_is_awaitable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import CustomGraphQLEnumType
from strawberry.types.field import StrawberryField
from tortoise.models import Model

from shortcuts.by_identity import ByIdentity
from shortcuts.fields import object_fields
from shortcuts.relations import AT_HAND, RELATION

# Items of a list completed in one turn of the event loop (`_in_turns`).
ITEMS_PER_TURN = 25

# Whether values of a class are awaitable, learnt once per class: graphql-core asks
# several times per field. Generators decide per object (only generator-based
# coroutines are awaitable), so they are always asked afresh.
_AWAITABLE_CLASSES: dict[type, bool] = {}


def is_awaitable(value: Any) -> bool:
    cls = type(value)
    verdict = _AWAITABLE_CLASSES.get(cls)
    if verdict is None:
        verdict = optimized_is_awaitable(value) and not isinstance(value, Model)
        if cls is not GeneratorType:
            _AWAITABLE_CLASSES[cls] = verdict
    return verdict


class Guard(Protocol):
    """A field's access rule, as the caller of `install` (shortcuts/__init__.py) gives it:
    a shortcut runs it in place of the guarded resolver it skips."""

    # Whether a read may come out other than as stored (masked, noted): then `shape` runs.
    shaping: bool

    def admit(self, source: Any, context: Any) -> Any:
        """Raises where the caller may not read the field; else what `shape` is given."""

    def shape(self, admitted: Any, source: Any, context: Any, value: Any) -> Any: ...

    def admits_in_full(self, context: Any) -> bool:
        """Whether every read is admitted as stored for this request's caller."""


@dataclass(frozen=True, slots=True)
class PlainField:
    """A leaf field read off its source alone, or loaded for it already (a relation a
    prefetch loaded), behind its policy guard."""

    read: Callable[[Any, Any], Any]  # (source, context): the value, Undefined if not at hand
    serialised: Callable[[Any], Any]  # the value as the response holds it (`_serialiser`)
    guard: Guard | None
    # The read and serialisation as one function, for a caller whom the guard admits in
    # full (`admits_in_full`): it runs for most leaves of a page.
    complete: Callable[[Any, Any], Any]

    def complete_guarded(self, source: Any, context: Any) -> Any:
        """`complete`, through the guard: it may refuse, mask or note the read."""
        guard = self.guard
        assert guard is not None
        cell = guard.admit(source, context)
        value = self.read(source, context)
        if value is Undefined:
            return Undefined
        if guard.shaping:
            value = guard.shape(cell, source, context, value)
        return self.serialised(value)


def admits_in_full(guard: Guard | None, context: Any) -> bool:
    """Whether `guard` admits every read as stored, for this request's caller."""
    return guard is None or guard.admits_in_full(context)


def _serialiser(leaf: GraphQLLeafType, non_null: bool) -> Callable[[Any], Any]:
    """`leaf.coerce_output_value` for a field's value, or Undefined when graphql-core must
    take the field (a null where the schema says non-null, a value it cannot serialise)."""
    missing = Undefined if non_null else None
    coerce = _coercer(leaf)

    def serialised(value: Any) -> Any:
        if value is None:
            return missing
        coerced = coerce(value)
        return Undefined if coerced is None else coerced

    return serialised


def _coercer(leaf: GraphQLLeafType) -> Callable[[Any], Any]:
    """`leaf.coerce_output_value`, with its commonest input answered first: a value that
    already is what a built-in scalar serialises to (`_as_is`), a member for an enum
    (strawberry's enum compares every value)."""
    coerce = leaf.coerce_output_value
    as_is = _as_is(leaf)
    if as_is is not None:
        return lambda value: value if as_is(value) else coerce(value)
    if isinstance(leaf, CustomGraphQLEnumType):
        names = _enum_names(leaf)
        return lambda value: names.get(value) or coerce(value)
    return coerce


def _as_is(leaf: GraphQLLeafType) -> Callable[[Any], bool] | None:
    """Whether a value is its own serialisation under a built-in scalar: graphql-core's
    serialisers try every kind of number before they return an int, about a microsecond
    a field."""
    if leaf is GraphQLString or leaf is GraphQLID:
        return lambda value: type(value) is str
    if leaf is GraphQLInt:
        return lambda value: type(value) is int and GRAPHQL_MIN_INT <= value <= GRAPHQL_MAX_INT
    if leaf is GraphQLBoolean:
        return lambda value: type(value) is bool
    return None


def _enum_names(leaf: CustomGraphQLEnumType) -> dict[Any, str]:
    """The GraphQL name of each member of the enum's Python class."""
    # wrapped_cls is typed as a bare EnumMeta, whose members' type mypy cannot infer.
    return {  # type: ignore[var-annotated]
        member: name
        for name, graphql_value in leaf.values.items()
        for member in leaf.wrapped_cls
        if member.value == graphql_value.value
    }


def _completion(
    read: Callable[[Any], Any], leaf: GraphQLLeafType, serialised: Callable[[Any], Any]
) -> Callable[[Any, Any], Any]:
    """`serialised(read(source))`, with a str of a String or an ID, an enum member, and a
    value that is its own serialisation (`_as_is`) answered without a further call."""
    if isinstance(leaf, CustomGraphQLEnumType):
        names = _enum_names(leaf)

        def complete_enum(source: Any, _context: Any) -> Any:
            value = read(source)
            return names.get(value) or serialised(value)

        return complete_enum
    if leaf is GraphQLString or leaf is GraphQLID:

        def complete_text(source: Any, _context: Any) -> Any:
            value = read(source)
            return value if type(value) is str else serialised(value)

        return complete_text
    as_is = _as_is(leaf)
    if as_is is not None:

        def complete_as_is(source: Any, _context: Any) -> Any:
            value = read(source)
            return value if as_is(value) else serialised(value)

        return complete_as_is
    return lambda source, _context: serialised(read(source))


def _completion_loaded(
    loaded: Callable[[Any, Any], Any], serialised: Callable[[Any], Any]
) -> Callable[[Any, Any], Any]:
    """A leaf relation's value when this request has loaded it (Undefined, for
    graphql-core to await its loader, when not), serialised."""

    def complete_loaded(source: Any, context: Any) -> Any:
        value = loaded(source, context)
        return value if value is Undefined else serialised(value)

    return complete_loaded


@dataclass(frozen=True, slots=True)
class NestedField:
    """An object, or a list of objects, read off its source alone or already loaded."""

    read: Callable[[Any, Any], Any]  # (source, context): the value, Undefined if not at hand
    return_type: GraphQLOutputType
    object_type: GraphQLObjectType
    is_list: bool
    guard: Guard | None
    # For an object a loader answers: its key for a row. Within a request the same key
    # loads the same object (the loader's cache), so its answer is found by the key.
    key: Callable[[Any], Any] | None = None

    def value(self, source: Any, context: Any, guarded: bool) -> Any:
        """The value to complete in place, or Undefined when graphql-core must take it;
        through the guard unless it admits this caller in full."""
        if guarded:
            self.guard.admit(source, context)  # type: ignore[union-attr]
        value = self.read(source, context)
        if value is None:
            return Undefined if isinstance(self.return_type, GraphQLNonNull) else None
        if self.is_list and (type(value) is not list or any(item is None for item in value)):
            return Undefined
        return value


Shortcut = PlainField | NestedField
# A field of a selection: its response name and nodes, and the leaf completion or the
# nested shortcut that answers it (neither: graphql-core does), and whether the nested
# one goes through its guard.
Step = tuple[str, Any, Callable[[Any, Any], Any] | None, NestedField | None, bool]


class Leaves(list[Step]):
    """A plan whose every field is a leaf read as stored: the same object completes to
    the same answer anywhere in a request (`complete_leaves`)."""


def shortcut_fields(
    schema: strawberry.Schema, guards: Mapping[tuple[str, str], Guard]
) -> dict[str, dict[str, Shortcut]]:
    """Per type of the schema, its fields that can skip graphql-core's field machinery:
    leaves and objects read off their source, and relations lists prefetch."""
    found: dict[str, dict[str, Shortcut]] = {}
    for type_name, name, field, graphql_field in object_fields(schema):
        if graphql_field.args:
            continue
        guard = guards.get((type_name, name))
        shortcut = _shortcut(type_name, name, field, graphql_field.type, guard)
        if shortcut is not None:
            found.setdefault(type_name, {})[name] = shortcut
    return found


def _shortcut(
    type_name: str,
    name: str,
    field: StrawberryField,
    return_type: GraphQLOutputType,
    guard: Guard | None,
) -> Shortcut | None:
    relation = field.metadata.get(RELATION)
    read = _reader(field)
    nullable = get_nullable_type(return_type)
    if is_leaf_type(nullable):
        serialised = _serialiser(nullable, isinstance(return_type, GraphQLNonNull))
        if relation is not None:
            loaded = relation.loaded
            return PlainField(loaded, serialised, guard, _completion_loaded(loaded, serialised))
        if read is None:
            return None
        complete = _completion(read, nullable, serialised)
        return PlainField(_ignoring_context(read), serialised, guard, complete)
    is_list = isinstance(nullable, GraphQLList)
    object_type = get_nullable_type(nullable.of_type) if is_list else nullable  # type: ignore[union-attr]
    if not isinstance(object_type, GraphQLObjectType) or (guard is not None and guard.shaping):
        return None
    if relation is not None:
        key = relation.key if relation.pick is None and not is_list else None
        return NestedField(relation.loaded, return_type, object_type, is_list, guard, key)
    at_hand = field.metadata.get(AT_HAND)
    if at_hand is not None:
        return NestedField(at_hand, return_type, object_type, is_list, guard)
    if read is None:
        return None
    return NestedField(_ignoring_context(read), return_type, object_type, is_list, guard)


def _ignoring_context(read: Callable[[Any], Any]) -> Callable[[Any, Any], Any]:
    return lambda source, _context: read(source)


def _reader(field: StrawberryField) -> Callable[[Any], Any] | None:
    """How to read `field` off its source alone, if it can be: an attribute, or a plain
    method that takes nothing but the row (no info, no arguments, not async)."""
    if field.is_basic_field:
        return attrgetter(field.python_name)
    resolver = field.base_resolver
    if (
        resolver is None
        or field.extensions
        or resolver.is_async
        or resolver.arguments
        or resolver.info_parameter is not None
        or resolver.root_parameter is not None
        or resolver.self_parameter is None
    ):
        return None
    # strawberry types wrapped_func as possibly a staticmethod or classmethod object; with
    # self_parameter set it is the plain function.
    return resolver.wrapped_func  # type: ignore[return-value]


class StableFields(dict[str, Any]):
    """A grouped field set collected once for every request that sends its document."""


# Per field nodes and object type: their subfields, or None when a directive (or a
# fragment's variables) makes the collection depend on the request.
_COLLECTED: ByIdentity[CollectedFields | None] = ByIdentity(kept=2048)
# Per stable field set and the caller's roles: how each field is answered.
_PLANS: ByIdentity[list[Step] | None] = ByIdentity(kept=4096)


def _collects_alike(
    selection_set: SelectionSetNode | None, fragments: Mapping[str, FragmentDetails]
) -> bool:
    """Whether the fields `selection_set` collects are the same whatever the variables:
    no directive on it or on the fragments it spreads (@skip, @include, @defer)."""
    if selection_set is None:
        return True
    for selection in selection_set.selections:
        if selection.directives:
            return False
        if isinstance(selection, InlineFragmentNode):
            if not _collects_alike(selection.selection_set, fragments):
                return False
        elif isinstance(selection, FragmentSpreadNode):
            details = fragments.get(selection.name.value)
            if (
                details is None
                or details.variable_signatures
                or getattr(selection, "arguments", None)
            ):
                return False
            if not _collects_alike(details.definition.selection_set, fragments):
                return False
        elif not isinstance(selection, FieldNode):
            return False
    return True


def _helpers_of(executor: StrawberryGraphQLCoreExecutionContext) -> GraphQLResolveInfoHelpers:
    """The executor's own helpers, holding it weakly (point 5): whatever calls them runs
    within the execution, whose frames keep the executor alive."""
    executor_ref = ref(executor)

    def gather(values: Any) -> Any:
        return executor_ref().gather_async_work(values)  # type: ignore[union-attr]

    def track(values: Any) -> None:
        executor_ref().track_async_work(values)  # type: ignore[union-attr]

    return GraphQLResolveInfoHelpers(gather=gather, track=track)


class FastExecution(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's execution context with the shortcuts above."""

    # Set by `install` (shortcuts/__init__.py): the shortcuts per type and field; whether
    # a request's caller is kept from the schema's names (no "Did you mean ..."); which
    # errors were raised on purpose (point 6).
    fields: dict[str, dict[str, Shortcut]] = {}
    hides_schema_from: Callable[[Any], bool] = staticmethod(lambda _context: False)
    is_meant: Callable[[Any], bool] = staticmethod(lambda _error: False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.is_awaitable = is_awaitable  # type: ignore[assignment]
        self.async_helpers = _helpers_of(self)
        manager = self.middleware_manager
        self.shortcuts = self.fields if manager is None or not manager.middlewares else {}
        self.plans: dict[int, tuple[Any, list[Step] | None]] = {}
        # Per field nodes (by identity, kept alive with the entry): the object type they
        # were collected for, its subfields and their plan.
        self.objects: dict[int, tuple[Any, GraphQLObjectType, CollectedFields, Any]] = {}
        # Per plan of leaves and object (by identity): the object and its answer.
        self.leaf_objects: dict[tuple[int, int], tuple[Any, dict[str, Any]]] = {}
        # The same answers per field (its nodes, by identity) and loader key (`by_key`).
        self.leaf_keys: dict[tuple[int, Any], dict[str, Any]] = {}
        self.roles = self.context_value.actor.roles if self.shortcuts else None

    @classmethod
    def build(
        cls,
        schema: Any,
        document: Any,
        root_value: Any = None,
        context_value: Any = None,
        *args: Any,
        hide_suggestions: bool = False,
        **kwargs: Any,
    ) -> Any:
        """graphql-core's build. It coerces the variables, and answers a misspelt enum
        value or input field with the names the caller may not introspect ("Did you
        mean ..."): those callers get the errors without."""
        hide = hide_suggestions or cls.hides_schema_from(context_value)
        # hide_suggestions is passed once: through **kwargs mypy cannot see it is not repeated.
        return super().build(  # type: ignore[misc]
            schema, document, root_value, context_value, *args, hide_suggestions=hide, **kwargs
        )

    def build_response(self, data: dict[str, Any] | None) -> Any:
        for error in self.collected_errors.errors:  # point 6
            if self.is_meant(error):
                error.__traceback__ = None
                if error.original_error is not None:
                    error.original_error.__traceback__ = None
        return super().build_response(data)

    def collect_subfields(self, return_type: GraphQLObjectType, field_details_list: Any) -> Any:
        """graphql-core's collection, kept across requests where no directive decides it."""
        known = self._relevant_sub_fields.get((return_type, id(field_details_list)))
        if known is not None:
            return known[1]
        collected = None
        if all(
            details.defer_usage is None and details.fragment_variable_values is None
            for details in field_details_list
        ):
            nodes = [details.node for details in field_details_list]
            collected = _COLLECTED.get(
                nodes, return_type, lambda: self.collect_for_all(return_type, field_details_list)
            )
        if collected is None:
            return super().collect_subfields(return_type, field_details_list)
        self._relevant_sub_fields[(return_type, id(field_details_list))] = (
            field_details_list,
            collected,
        )
        return collected

    def collect_for_all(
        self, return_type: GraphQLObjectType, field_details_list: Any
    ) -> CollectedFields | None:
        if not all(
            _collects_alike(details.node.selection_set, self.fragments)
            for details in field_details_list
        ):
            return None
        grouped, defer_usages, forbidden = super().collect_subfields(
            return_type, field_details_list
        )
        return CollectedFields(StableFields(grouped), defer_usages, forbidden)

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        """graphql-core's loop over an object's fields, with the shortcuts taken in place:
        no resolve info or completion dispatch for them (most fields of a page)."""
        steps = self.steps(parent_type, grouped_field_set)
        if steps is None:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        return self.run_steps(parent_type, source_value, path, steps, position_context)

    def run_steps(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        steps: list[Step],
        position_context: Any,
    ) -> Any:
        context = self.context_value
        results: dict[str, Any] = {}
        pending: list[str] = []
        try:
            for response_name, field_details_list, complete_leaf, nested, guarded in steps:
                if complete_leaf is not None:
                    try:
                        result = complete_leaf(source_value, context)
                    except Exception:  # noqa: BLE001 - graphql-core reports it, in its place
                        result = Undefined
                    if result is not Undefined:
                        results[response_name] = result
                        continue
                by_key = None
                if nested is not None and nested.key is not None and not guarded:
                    by_key = _by_key(field_details_list, nested.key, source_value)
                    known = self.leaf_keys.get(by_key) if by_key is not None else None
                    if known is not None:
                        results[response_name] = known
                        continue
                field_path = Path(path, response_name, parent_type.name)
                result = Undefined
                if nested is not None:
                    result = self.complete_nested(
                        nested,
                        guarded,
                        source_value,
                        field_details_list,
                        field_path,
                        position_context,
                        by_key,
                    )
                if result is Undefined:
                    result = self.execute_field(
                        parent_type, source_value, field_details_list, field_path, position_context
                    )
                    if result is Undefined:
                        continue
                results[response_name] = result
                if type(result) is not dict and is_awaitable(result):
                    pending.append(response_name)
        except Exception:
            if pending:
                self.settle_in_background([results[name] for name in pending])
            raise
        return _gathered(results, pending) if pending else results

    def steps(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> list[Step] | None:
        """How each field of `grouped_field_set` is answered, worked out once per request
        (graphql-core collects an object's fields once for all the rows of a list), or
        once per caller's roles for a stable set: a leaf's completion or a nested
        shortcut, with no guard at all where it admits this caller in full; None when no
        field of `parent_type` has one."""
        known = self.plans.get(id(grouped_field_set))
        if known is not None:
            return known[1]
        if type(grouped_field_set) is StableFields and self.roles is not None:
            steps = _PLANS.get(
                (grouped_field_set,),
                self.roles,
                lambda: self.plan(parent_type, grouped_field_set),
            )
        else:
            steps = self.plan(parent_type, grouped_field_set)
        # The set is kept with its steps, so that its id is not reused while they are.
        self.plans[id(grouped_field_set)] = (grouped_field_set, steps)
        return steps

    def plan(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> list[Step] | None:
        shortcuts = self.shortcuts.get(parent_type.name)
        steps: list[Step] | None = None
        if shortcuts is not None:
            context = self.context_value
            steps = []
            leaves = True
            for response_name, field_details_list in grouped_field_set.items():
                node = field_details_list[0].node
                shortcut = shortcuts.get(node.name.value)
                complete_leaf = nested = None
                guarded = shortcut is not None and not admits_in_full(shortcut.guard, context)
                if type(shortcut) is PlainField:
                    complete_leaf = shortcut.complete_guarded if guarded else shortcut.complete
                elif type(shortcut) is NestedField and not node.directives:
                    nested = shortcut  # @stream and @defer are graphql-core's business
                steps.append((response_name, field_details_list, complete_leaf, nested, guarded))
                leaves = leaves and type(shortcut) is PlainField and not guarded
            if leaves:
                steps = Leaves(steps)
        return steps

    def complete_nested(
        self,
        nested: NestedField,
        guarded: bool,
        source: Any,
        field_details_list: Any,
        path: Path,
        position_context: Any,
        by_key: tuple[int, Any] | None = None,
    ) -> Any:
        """`nested` completed in place, as graphql-core's execute_field would complete it;
        Undefined when graphql-core must take the field from the start. `by_key`: where
        an object of leaves' answer is kept for the other rows holding its key."""
        try:
            value = nested.value(source, self.context_value, guarded)
        except Exception:  # noqa: BLE001 - graphql-core reports it, in its place
            return Undefined
        if value is None or value is Undefined:
            return value
        try:
            if nested.is_list:
                completed = self.complete_items(
                    nested, field_details_list, path, value, position_context
                )
            else:
                completed = self.complete_object(
                    nested.object_type, field_details_list, path, value, position_context, by_key
                )
        except Exception as error:
            self.handle_field_error(error, nested.return_type, field_details_list, path)
            return None
        if is_awaitable(completed):
            return self.settled(completed, nested.return_type, field_details_list, path)
        return completed

    def complete_object(
        self,
        object_type: GraphQLObjectType,
        field_details_list: Any,
        path: Path,
        value: Any,
        position_context: Any,
        by_key: tuple[int, Any] | None = None,
    ) -> Any:
        # Every is_type_of of this schema ignores its resolve info.
        if object_type.is_type_of is not None and not object_type.is_type_of(value, None):  # type: ignore[arg-type]
            raise invalid_return_type_error(object_type, value, field_details_list)
        # What every object of this field takes, looked up once per object: the rows of a
        # list share it.
        known = self.objects.get(id(field_details_list))
        if known is None or known[1] is not object_type:
            collected = self.collect_subfields(object_type, field_details_list)
            steps = self.steps(object_type, collected.grouped_field_set)
            known = (field_details_list, object_type, collected, steps)
            self.objects[id(field_details_list)] = known
        _, _, (grouped_field_set, new_defer_usages, _), steps = known
        if position_context is None and not new_defer_usages:  # no incremental delivery
            if type(steps) is Leaves:
                return self.complete_leaves(object_type, value, path, steps, by_key)
            if steps is not None:
                return self.run_steps(object_type, value, path, steps, None)
            return super().execute_fields(object_type, value, path, grouped_field_set, None)
        return self.execute_collected_subfields(
            object_type, value, path, grouped_field_set, new_defer_usages, position_context
        )

    def complete_leaves(
        self,
        object_type: GraphQLObjectType,
        value: Any,
        path: Path,
        steps: Leaves,
        by_key: tuple[int, Any] | None = None,
    ) -> Any:
        """An object of leaves read as stored, answered once per request: the same object
        under many rows (the tag definition of every assignment on a page, a tier) shares
        one answer, found by its loader key too when a loader gave it (`by_key`), with
        no read of the row's relation. An answer that needed graphql-core, or reported an
        error, is not kept: the next row reports its own in its place."""
        key = (id(steps), id(value))
        known = self.leaf_objects.get(key)
        if known is not None:
            if by_key is not None:  # answered first under another field
                self.leaf_keys[by_key] = known[1]
            return known[1]
        errors = len(self.collected_errors.errors)
        results = self.run_steps(object_type, value, path, steps, None)
        if (
            type(results) is dict
            and len(results) == len(steps)
            and len(self.collected_errors.errors) == errors
        ):
            # The value is kept with its answer, so that its id is not reused while it is.
            self.leaf_objects[key] = (value, results)
            if by_key is not None:
                self.leaf_keys[by_key] = results
        return results

    def complete_items(
        self,
        nested: NestedField,
        field_details_list: Any,
        path: Path,
        items: list[Any],
        position_context: Any,
    ) -> Any:
        """A list of objects completed item by item, each item's errors in its place; a
        list longer than ITEMS_PER_TURN that many at a time, other requests served
        between (`_in_turns`)."""
        item_type = get_nullable_type(nested.return_type).of_type  # type: ignore[union-attr]
        completed: list[Any] = []
        awaited: list[int] = []

        def complete(some: list[Any]) -> None:
            # `some` completed onto the end of `completed`; those still to be awaited
            # noted by their index.
            for index, item in enumerate(some, len(completed)):
                item_path = path.add_key(index, None)
                try:
                    result = self.complete_object(
                        nested.object_type, field_details_list, item_path, item, position_context
                    )
                except Exception as error:
                    self.handle_field_error(error, item_type, field_details_list, item_path)
                    result = None
                if is_awaitable(result):
                    result = self.settled(result, item_type, field_details_list, item_path)
                    awaited.append(index)
                completed.append(result)

        if len(items) > ITEMS_PER_TURN:
            return _in_turns(items, complete, completed, awaited)
        complete(items)
        return _gathered(completed, awaited) if awaited else completed

    async def settled(
        self, completed: Any, return_type: GraphQLOutputType, field_details_list: Any, path: Path
    ) -> Any:
        try:
            return await completed
        except Exception as error:
            self.handle_field_error(error, return_type, field_details_list, path)
            return None


def _by_key(
    field_details_list: Any, key: Callable[[Any], Any], source: Any
) -> tuple[int, Any] | None:
    """Where the answer of the object a loader gives `source` is kept (`leaf_keys`);
    None when its key cannot be had (graphql-core then reports why, in its place)."""
    try:
        found = (id(field_details_list), key(source))
        hash(found)
    except Exception:  # noqa: BLE001 - the field's own read reports it
        return None
    return found


async def _in_turns(
    items: list[Any],
    complete: Callable[[list[Any]], None],
    completed: list[Any],
    awaited: list[int],
) -> list[Any]:
    # Completing a page of 100 members at once held every other request for 5 ms:
    # with two staff searching, a plain query's 95th percentile went to 4x idle.
    for start in range(0, len(items), ITEMS_PER_TURN):
        if start:
            await next_turn()
        complete(items[start : start + ITEMS_PER_TURN])
    return await _gathered(completed, awaited) if awaited else completed


async def next_turn() -> None:
    """Let the event loop run what else is ready before going on."""
    await asyncio.sleep(0)


async def _gathered(results: Any, pending: list[Any]) -> Any:
    """`results` (a dict or a list) with its awaitable values awaited, concurrently (as
    graphql-core does)."""
    if len(pending) == 1:
        results[pending[0]] = await results[pending[0]]
    else:
        values = await gather_with_cancel(*(results[key] for key in pending))
        for key, value in zip(pending, values, strict=True):
            results[key] = value
    return results
