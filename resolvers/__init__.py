"""Plain functions of the request, below the GraphQL types: they take the request's
Context (resolvers/context.py) or its parts, ids and plain values, and return model rows
or service results. The root fields calling them live in schema/<domain>_root.py."""
