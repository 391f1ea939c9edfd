"""Campaigns (集中行动) as data: definitions, the campaign and unit aggregates, progress."""

from domain.campaign.aggregate import Campaign, CampaignUnit
from domain.campaign.definition import KNOWN_FACTS, CampaignDefinition
from domain.campaign.values import CampaignView, Phase, UnitView

__all__ = [
    "KNOWN_FACTS",
    "Campaign",
    "CampaignDefinition",
    "CampaignUnit",
    "CampaignView",
    "Phase",
    "UnitView",
]
