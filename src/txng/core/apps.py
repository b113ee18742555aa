import gc

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The cyclic garbage collector's youngest generation is collected every 50,000 net container allocations
# instead of CPython's 700 (the older ones every 20 and 10 collections of the one below). A captured
# document is tens of thousands of dicts and lists alive at once, and every collection of an older
# generation walks them all: at the default, collection was 10 % of capture's CPU time (bench/epcis.py,
# 20,000 events: Python CPU 6.29 s → 5.29 s with this). Cycles are still collected, a little later.
GC_THRESHOLDS = (50_000, 20, 10)


class CoreConfig(AppConfig):
    name = "txng.core"
    label = "core"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        gc.set_threshold(*GC_THRESHOLDS)
