from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LineageConfig(AppConfig):
    name = "txng.lineage"
    label = "lineage"
    verbose_name = _("Lot lineage")
