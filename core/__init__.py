"""The bottom of the package graph: settings and global ids.

Every package may read it; it reads nothing of ours (tests/core/test_imports.py).
"""
