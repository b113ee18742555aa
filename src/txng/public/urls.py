"""Pages of the public portal, at the site root with Vietnamese paths (see README.md for the map of URLs).

The resolver's Digital Link paths come first in txng.urls and all start with digits (GS1 AIs); these all
start with letters, so the two never collide.
"""

from django.urls import URLPattern, URLResolver, path

from txng.public import recalls, views

app_name = "public"

urlpatterns: list[URLPattern | URLResolver] = [
    path("tim-kiem/", views.search, name="search"),
    path("san-pham/<str:gtin>/", views.product, name="product"),
    path("nha-san-xuat/<int:organization_id>/", views.producer, name="producer"),
    path("danh-muc/", views.catalog, name="catalog"),
    path("ban-do/", views.places_map, name="map"),
    path("thu-hoi/", recalls.recalls_page, name="recalls"),
    path("thu-hoi/<str:code>/", recalls.recall_page, name="recall"),
    path("du-lieu-mo/", views.open_data, name="open-data"),
    path("du-lieu-mo/<slug:dataset>.<str:extension>", views.download, name="download"),
    path("ngon-ngu/", views.language_switch, name="language"),
    path("sitemap.xml", views.sitemap_index, name="sitemap"),
    path("sitemap-<slug:section>-<int:number>.xml", views.sitemap_section, name="sitemap-section"),
    path("robots.txt", views.robots, name="robots"),
]
