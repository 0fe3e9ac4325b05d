"""Thin resolvers: parse GraphQL input, call one service, shape the payload.

Payloads and fields typed with a schema type carry the service's model row: strawberry
reads each field off it by name. The type checker sees a model where a schema type is
declared, so those lines carry `# type: ignore[arg-type]` (or `[return-value]`)."""
