"""Config for Tortoise's own CLI:
`tortoise -c models.tortoise_cli_config.TORTOISE_ORM makemigrations`."""

from core.settings import get_settings
from models.db import tortoise_config

TORTOISE_ORM = tortoise_config(get_settings().database_url)
