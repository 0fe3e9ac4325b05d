"""Every private or internal name of our libraries the shortcuts touch, and what for.

A library may change these in any release, even a security fix: they are not its public
interface. tests/core/test_private_names.py checks each entry against the installed
libraries (the name is there; a method we override or call keeps the signature pinned
here) and fails with the entry itself as its message, so an upgrade says what to re-read.
docs/upgrading.md is the checklist.

"Internal" is what a library does not document for its users: a name starting with an
underscore, a module below its public package, or a method of a class meant to be used
whole. Public names (strawberry.field, graphql-core's GraphQLObjectType.fields,
Tortoise's QuerySet methods) are not listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Internal:
    """Names of one library object the shortcuts rely on."""

    target: str  # "module:Qualname", e.g. "graphql.execution.executor:Executor"
    names: tuple[str, ...]  # its members we use: methods, class or instance attributes
    used_in: str  # our module(s)
    why: str  # what the shortcut does with them
    # Pinned signatures (str(inspect.signature)) of the members we override or call with
    # positional arguments: a change there changes what our code means.
    signatures: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        members = ", ".join(self.names) if self.names else "(the object itself)"
        return f"{self.target} [{members}] in {self.used_in}: {self.why}"


GRAPHQL_CORE = (
    Internal(
        "graphql.execution.executor:Executor",
        (
            "execute_fields",
            "collect_subfields",
            "_relevant_sub_fields",
            "execute_field",
            "execute_collected_subfields",
            "handle_field_error",
            "settle_in_background",
            "gather_async_work",
            "track_async_work",
            "build",
            "build_response",
            "collected_errors",
            "middleware_manager",
            "fragments",
            "is_awaitable",
            "async_helpers",
        ),
        "shortcuts/execution.py",
        "FastExecution overrides the field loop (execute_fields) and the subfield collection "
        "(collect_subfields, whose per-request memo _relevant_sub_fields it fills), and calls "
        "execute_field, execute_collected_subfields and handle_field_error for what it does "
        "not shortcut; it replaces is_awaitable and async_helpers, reads collected_errors, "
        "middleware_manager and fragments, and overrides build (hide_suggestions) and "
        "build_response (tracebacks of meant errors dropped).",
        {
            "execute_fields": "(self, parent_type: 'GraphQLObjectType', source_value: 'Any', "
            "path: 'Path | None', grouped_field_set: 'GroupedFieldSet', position_context: "
            "'TContext | None') -> 'AwaitableOrValue[dict[str, Any]]'",
            "collect_subfields": "(self, return_type: 'GraphQLObjectType', field_details_list: "
            "'FieldDetailsList') -> 'CollectedFields'",
            "execute_field": "(self, parent_type: 'GraphQLObjectType', source: 'Any', "
            "field_details_list: 'FieldDetailsList', path: 'Path', position_context: "
            "'TContext | None') -> 'AwaitableOrValue[Any] | UndefinedType'",
            "execute_collected_subfields": "(self, parent_type: 'GraphQLObjectType', "
            "source_value: 'Any', path: 'Path', grouped_field_set: 'GroupedFieldSet', "
            "new_defer_usages: 'Sequence[DeferUsage]', position_context: 'TContext | None') "
            "-> 'AwaitableOrValue[dict[str, Any]]'",
            "handle_field_error": "(self, raw_error: 'Exception', return_type: "
            "'GraphQLOutputType', field_details_list: 'FieldDetailsList', path: 'Path') -> "
            "'None'",
        },
    ),
    Internal(
        "graphql.execution.collect_fields:CollectedFields",
        ("grouped_field_set", "new_defer_usages"),
        "shortcuts/execution.py",
        "What collect_subfields returns: FastExecution keeps it across requests (a stable "
        "selection) and unpacks it.",
    ),
    Internal(
        "graphql.execution.collect_fields:FieldDetails",
        ("node", "defer_usage", "fragment_variable_values"),
        "shortcuts/execution.py",
        "A field's nodes and whether @defer or a fragment's variables make its collection "
        "depend on the request (then it is not kept).",
    ),
    Internal(
        "graphql.execution.collect_fields:FragmentDetails",
        ("definition", "variable_signatures"),
        "shortcuts/execution.py",
        "A fragment's definition and whether it takes variables (then its collection is not kept).",
    ),
    Internal(
        "graphql.execution.executor:invalid_return_type_error",
        (),
        "shortcuts/execution.py",
        "The error graphql-core raises when is_type_of refuses a value, raised the same way "
        "by an object completed in place.",
        {
            "": "(return_type: 'GraphQLObjectType', result: 'Any', field_details_list: "
            "'FieldDetailsList') -> 'GraphQLError'"
        },
    ),
)

STRAWBERRY = (
    Internal(
        "strawberry.schema.schema:StrawberryGraphQLCoreExecutionContext",
        (),
        "shortcuts/execution.py",
        "The execution context strawberry runs; FastExecution subclasses it.",
    ),
    Internal(
        "strawberry.execution:optimized_is_awaitable",
        (),
        "shortcuts/execution.py",
        "strawberry's awaitable test, asked once per class of value.",
    ),
    Internal(
        "strawberry.schema.schema_converter:CustomGraphQLEnumType",
        ("wrapped_cls",),
        "shortcuts/execution.py",
        "An enum field's Python enum, whose members are serialised by name in place.",
    ),
    Internal(
        "strawberry.schema.schema:Schema",
        ("_schema", "schema_converter", "config"),
        "shortcuts/__init__.py, shortcuts/fields.py, shortcuts/direct.py, schema/documents.py",
        "The graphql-core schema (_schema) whose resolvers the shortcuts rebind, and the "
        "converter's type_map and scalar_registry, which pair each strawberry type and field "
        "with graphql-core's.",
    ),
    Internal(
        "strawberry.schema.schema_converter:GraphQLCoreConverter",
        ("type_map", "scalar_registry"),
        "shortcuts/fields.py, shortcuts/direct.py",
        "Each strawberry type by GraphQL name (with its definition), and the scalars: the "
        "walk over every field and the test that an argument needs no conversion.",
    ),
    Internal(
        "strawberry.types.base:StrawberryObjectDefinition",
        ("fields",),
        "shortcuts/fields.py",
        "A type's strawberry fields, paired with graphql-core's by name.",
    ),
    Internal(
        "strawberry.types.field:StrawberryField",
        ("base_resolver", "is_basic_field", "extensions", "metadata", "python_name", "arguments"),
        "shortcuts/execution.py, shortcuts/direct.py, shortcuts/columns.py, shortcuts/relations.py",
        "Whether a field is a plain attribute or a method that needs nothing but its row, "
        "its declared relation or columns (metadata), and its arguments.",
    ),
    Internal(
        "strawberry.types.fields.resolver:StrawberryResolver",
        (
            "wrapped_func",
            "is_async",
            "arguments",
            "info_parameter",
            "root_parameter",
            "self_parameter",
        ),
        "shortcuts/execution.py, shortcuts/direct.py, schema/inputs.py",
        "A resolver method called without strawberry's wrapper, when it takes only its row "
        "(and perhaps an Info and plain arguments).",
    ),
    Internal(
        "strawberry.types.arguments:StrawberryArgument",
        ("type", "python_name"),
        "shortcuts/direct.py",
        "An argument's type (no conversion needed for scalars and enums) and its Python name.",
    ),
    Internal(
        "strawberry.types.base:StrawberryMaybe",
        (),
        "shortcuts/direct.py",
        "Maybe arguments are converted (Some(value)): they keep strawberry's wrapper.",
    ),
    Internal(
        "strawberry.types.base:StrawberryOptional",
        ("of_type",),
        "shortcuts/direct.py",
        "An optional argument's own type.",
    ),
    Internal(
        "strawberry.types.enum:StrawberryEnumDefinition",
        (),
        "shortcuts/direct.py",
        "Enum arguments need no conversion.",
    ),
    Internal(
        "strawberry.types.enum:has_enum_definition",
        (),
        "shortcuts/direct.py",
        "Enum arguments need no conversion.",
    ),
    Internal(
        "strawberry.types.info:Info",
        ("_raw_info", "_field"),
        "shortcuts/direct.py, shortcuts/relations.py, shortcuts/columns.py",
        "An Info made for a method called directly (Info(_raw_info=..., _field=...)), and "
        "graphql-core's info behind one, whose field_nodes and fragments say what a list "
        "selects (prefetch, columns).",
    ),
    Internal(
        "strawberry.dataloader:DataLoader",
        ("cache_map",),
        "shortcuts/relations.py",
        "Whether this request has started or finished loading a key: a relation already "
        "loaded completes in place.",
    ),
    Internal(
        "strawberry.dataloader:DefaultCache",
        ("cache_map",),
        "shortcuts/relations.py",
        "The futures of the default cache, read without a call per row.",
    ),
    Internal(
        "strawberry.schema.schema:validate_document",
        (),
        "shortcuts/documents.py",
        "strawberry's validation (graphql-core's with its own rules added), kept per "
        "document and rules.",
        {
            "": "(schema: 'GraphQLSchema', document: 'DocumentNode', validation_rules: "
            "'tuple[type[ASTValidationRule], ...]') -> 'list[GraphQLError]'"
        },
    ),
    Internal(
        "strawberry.types.execution:ExecutionContext",
        (
            "_provided_operation_name",
            "graphql_document",
            "validation_rules",
            "parse_options",
            "pre_execution_errors",
        ),
        "shortcuts/documents.py, schema/documents.py",
        "The operation name the request gave (strawberry's operation_name falls back to "
        "the first one); the Documents hook sets the parsed document, the rules and the "
        "validation's errors, which strawberry then takes as its own.",
    ),
    Internal(
        "strawberry.http.async_base_view:AsyncBaseHTTPView",
        (
            "decode_json",
            "get_sub_response",
            "get_context",
            "execute_single",
            "process_result",
            "create_response",
            "request_adapter_class",
        ),
        "shortcuts/view.py, app/server.py",
        "A POST of one operation as a JSON object is answered without the steps of "
        "strawberry's run it does not need; the view's own steps are called as run calls "
        "them, and app/server.py overrides execute_single (trusted documents, the operation "
        "types a method carries) and create_response (the response size limit).",
    ),
)

TORTOISE = (
    Internal(
        "tortoise.models:Model",
        ("_meta", "_partial", "_saved_in_db", "_custom_generated_pk", "_await_when_save"),
        "shortcuts/rows.py, shortcuts/sql.py, shortcuts/shapes.py, shortcuts/keyed_pages.py, "
        "shortcuts/columns.py",
        "Models built from rows as Tortoise's _init_from_db builds them (its instance "
        "attributes set directly), and the model's metadata (_meta).",
    ),
    Internal(
        "tortoise.models:MetaInfo",
        (
            "db",
            "db_table",
            "pk_attr",
            "db_pk_column",
            "fields_map",
            "fields_db_projection",
            "db_native_fields",
            "db_default_fields",
            "db_complex_fields",
            "generated_db_fields",
        ),
        "shortcuts/rows.py, shortcuts/sql.py, shortcuts/shapes.py, shortcuts/keyed_pages.py, "
        "shortcuts/columns.py",
        "Each column's attribute and conversion (the three kinds Tortoise converts), the "
        "table, key and connection: what a builder, an INSERT and a batched read need.",
    ),
    Internal(
        "tortoise.fields.data:CharEnumFieldInstance",
        ("enum_type",),
        "shortcuts/rows.py",
        "An enum column's Python enum, whose members are looked up by value directly.",
    ),
    Internal(
        "tortoise.queryset:QuerySet",
        (
            "_annotations",
            "_prefetch_map",
            "_prefetch_queries",
            "_select_related",
            "_single",
            "_fields_for_select",
            "_choose_db_if_not_chosen",
            "_make_query",
            "_db",
            "query",
        ),
        "shortcuts/rows.py, shortcuts/shapes.py",
        "A plain select's SQL taken from the queryset and run here, its models built here; "
        "any queryset with annotations, prefetches or related rows is awaited as Tortoise's.",
    ),
    Internal(
        "tortoise.backends.sqlite.client:SqliteClient",
        (
            "create_connection",
            "close",
            "execute_insert",
            "execute_query",
            "execute_query_dict",
            "_in_transaction",
            "_lock",
            "filename",
            "pragmas",
            "log",
        ),
        "shortcuts/sqlite.py",
        "The SQLite client subclassed: statements answered in the loop's thread by two "
        "connections of its own, transactions begun IMMEDIATE.",
        {
            "execute_query": "(self, query: 'str', values: 'list | None' = None) -> "
            "'tuple[int, Sequence[dict]]'",
            "execute_query_dict": "(self, query: 'str', values: 'list | None' = None) -> "
            "'list[dict]'",
            "execute_insert": "(self, query: 'str', values: 'list') -> 'int'",
        },
    ),
    Internal(
        "tortoise.backends.sqlite.client:SqliteTransactionContext",
        ("_trxlock", "ensure_connection", "connection", "connection_name", "token"),
        "shortcuts/sqlite.py",
        "A transaction begun on the connection of the loop's thread when the write lock is "
        "free at once, else on aiosqlite's worker.",
    ),
    Internal(
        "tortoise.backends.sqlite.client:SqliteTransactionWrapper",
        ("_parent", "_connection"),
        "shortcuts/sqlite.py",
        "The transaction's client, and the connection swapped for the one in place.",
    ),
    Internal(
        "tortoise.backends.sqlite.client:translate_exceptions",
        (),
        "shortcuts/sqlite.py",
        "sqlite3's errors turned into Tortoise's, as its own methods do.",
    ),
)

PYTHON = (
    Internal(
        "enum:Enum",
        ("_value2member_map_",),
        "shortcuts/rows.py",
        "An enum's members by value: a column's value looked up without the enum's call.",
    ),
)

ALL = GRAPHQL_CORE + STRAWBERRY + TORTOISE + PYTHON


def count() -> int:
    """How many names the shortcuts rely on: each member, or the object itself."""
    return sum(len(entry.names) or 1 for entry in ALL)
