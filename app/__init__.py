"""The Starlette application, its settings and the `memberhub` command line."""
