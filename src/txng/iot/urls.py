"""Pages of the iot app."""

from django.urls import URLPattern, URLResolver, path

from txng.iot import views

app_name = "iot"

urlpatterns: list[URLPattern | URLResolver] = [
    path("lots/", views.lot_page, name="lot"),
    path("shipments/<str:sscc>/", views.shipment_page, name="shipment"),
]
