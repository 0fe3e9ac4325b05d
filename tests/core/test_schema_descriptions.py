"""Every element of the schema tells the app developer reading it in GraphiQL what it is."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
    specified_scalar_types,
)

from app.served_schema import served_schema
from auth.docs import access_note
from schema.user_errors import ERROR_CODES
from services.errors import DomainError
from shortcuts.fields import object_fields


def _elements(schema: GraphQLSchema) -> Iterator[tuple[str, str | None]]:
    """(path, description) of every type, field, argument, input field and enum value,
    the description without the access note the policy adds (it says nothing of meaning)."""
    for name, type_ in schema.type_map.items():
        if name.startswith("__") or name in specified_scalar_types:
            continue
        yield name, type_.description
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in type_.fields.items():
                note = access_note(name, field_name) or ""
                yield f"{name}.{field_name}", (field.description or "").removesuffix(note)
                for arg_name, arg in field.args.items():
                    yield f"{name}.{field_name}({arg_name})", arg.description
        elif isinstance(type_, GraphQLInputObjectType):
            for field_name, input_field in type_.fields.items():
                yield f"{name}.{field_name}", input_field.description
        elif isinstance(type_, GraphQLEnumType):
            for value_name, value in type_.values.items():
                yield f"{name}.{value_name}", value.description


def _all_domain_codes() -> set[str]:
    found, pending = set(), [DomainError]
    while pending:
        cls = pending.pop()
        found.add(cls.code)
        pending.extend(cls.__subclasses__())
    return found


def test_every_schema_element_has_a_description() -> None:
    # Given the schema the server serves, then nothing in it is left bare.
    missing = [
        path for path, text in _elements(served_schema()._schema) if not (text or "").strip()
    ]
    assert missing == [], f"{len(missing)} schema elements lack a description: {missing}"


def test_guarded_and_public_fields_say_who_may_use_them() -> None:
    # Given fields the policy masks, scopes or opens, then their descriptions say so in its words.
    fields = served_schema()._schema.type_map
    phone = fields["Member"].fields["phone"].description  # type: ignore[attr-defined]
    assert phone.endswith(
        "ADMIN, SERVICE (in clear); OPERATIONS, MARKETING (masked: the middle hidden); "
        "MEMBER (own records only). Any other caller gets null and a FORBIDDEN error "
        "(UNAUTHENTICATED when not signed in)."
    )
    cases = fields["Query"].fields["serviceCases"].description  # type: ignore[attr-defined]
    assert "MARKETING (MARKETING category only)" in cases
    assert "MEMBER (own records only, no internal notes)" in cases
    login = fields["Mutation"].fields["staffLogin"].description  # type: ignore[attr-defined]
    assert login.endswith("every caller, signed in or not.")
    adjust = fields["Mutation"].fields["adjustPoints"].description  # type: ignore[attr-defined]
    assert adjust.endswith(
        "ADMIN, OPERATIONS. Any other caller is refused with a FORBIDDEN error "
        "(UNAUTHENTICATED when not signed in)."
    )


def test_each_mutation_with_errors_declares_known_codes() -> None:
    # Given every mutation, then one whose payload has `errors` declares the codes it may
    # carry (tests/declared_errors.py checks them against the answers the tests see), each
    # a code of a DomainError, listed in its description.
    schema = served_schema()
    known = _all_domain_codes()
    checked = 0
    for type_name, name, field, graphql_field in object_fields(schema):
        if type_name != "Mutation":
            continue
        payload = get_named_type(graphql_field.type)
        codes = field.metadata.get(ERROR_CODES)
        if not (isinstance(payload, GraphQLObjectType) and "errors" in payload.fields):
            assert not codes, f"{name} declares codes but has no errors field"
            continue
        assert codes is not None, f"{name}: declare the codes its errors may carry"
        assert set(codes) <= known, f"{name}: unknown codes {set(codes) - known}"
        listed = ", ".join(codes) or "none, it is always empty"
        assert f"`errors` codes: {listed}." in graphql_field.description  # type: ignore[operator]
        checked += 1
    assert checked > 30
