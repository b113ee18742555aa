"""Choices shared by several apps."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sector(models.TextChoices):
    AGRICULTURE = "agriculture", _("Agriculture and environment")
    INDUSTRY_TRADE = "industry_trade", _("Industry and trade")
    HEALTH = "health", _("Health")
