from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EpcisConfig(AppConfig):
    name = "txng.epcis"
    label = "epcis"
    verbose_name = _("EPCIS event repository")
