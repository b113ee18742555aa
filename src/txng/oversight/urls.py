"""Pages of the oversight app (mounted at /oversight/)."""

from django.urls import URLPattern, URLResolver, path, re_path

from txng.oversight import views

app_name = "oversight"

urlpatterns: list[URLPattern | URLResolver] = [
    path("recalls/", views.recall_list, name="recalls"),
    path("recalls/new", views.recall_open_page, name="recall-open"),
    path("recalls/<str:code>/", views.recall_detail, name="recall"),
    # Public recall status of a product or lot, the target of the resolver's gs1:recallStatus links.
    re_path(r"^status/01/(?P<gtin>\d{14})/$", views.recall_status, name="status"),
    re_path(r"^status/01/(?P<gtin>\d{14})/10/(?P<lot>.{1,20})$", views.recall_status, name="status-lot"),
]
