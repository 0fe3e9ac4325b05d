"""Campaigns as the request reads them: one loader per relation."""

from __future__ import annotations

from models.campaign import Campaign
from resolvers.loaders import by_id

campaign_by_id = by_id(Campaign)
