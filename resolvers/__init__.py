"""Thin resolvers: parse GraphQL input, call one service, shape the payload."""
