"""Business rules, GraphQL-agnostic (DESIGN §1). Resolvers and CLI jobs both call these."""
