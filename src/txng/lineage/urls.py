"""The trace page."""

from django.urls import path

from txng.lineage import views

app_name = "lineage"

urlpatterns = [path("trace", views.trace_page, name="trace")]
