"""Authentication (argon2, sessions), authorization (the one policy) and accounting (audit)."""
