from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResolverConfig(AppConfig):
    name = "txng.resolver"
    label = "resolver"
    verbose_name = _("Digital Link resolver")
