"""Pages of the publishing app."""

from django.urls import URLPattern, URLResolver, path

from txng.publishing import views

app_name = "publishing"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.status_page, name="status"),
    path("destinations/<int:destination_id>/requeue", views.requeue, name="requeue"),
]
