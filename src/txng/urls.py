from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from txng.api import api
from txng.core import views as core_views

admin.site.site_header = "OpenTXNG"
admin.site.site_title = "OpenTXNG"

urlpatterns = [
    path("", include("txng.public.home_urls")),
    path("healthz", core_views.health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}),
    path("", include("txng.resolver.urls")),
    path("lineage/", include("txng.lineage.urls")),
    path("oversight/", include("txng.oversight.urls")),
    path("ledger/", include("txng.ledger.urls")),
    path("publishing/", include("txng.publishing.urls")),
    path("iot/", include("txng.iot.urls")),
    path("", include("txng.portal.urls")),
    path("", include("txng.public.urls")),
    path("", api.urls),
]
