"""The web portal: businesses at /portal/, agency officers at /agency/ (see txng.urls)."""

from django.urls import include, path

from txng.portal.documents import document_download

app_name = "portal"

urlpatterns = [
    path("portal/", include("txng.portal.business.urls")),
    path("agency/", include("txng.portal.agency.urls")),
    path("portal/documents/<int:pk>/", document_download, name="document"),
]
