"""Resolver paths from the site root: printed codes rely on them (GS1 Digital Link URI syntax)."""

from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt

from txng.resolver import views

urlpatterns = [
    path(".well-known/gs1resolver", views.well_known, name="gs1resolver"),
    # Static text through the whole middleware stack: the ceiling the resolver benchmark compares with.
    path(".well-known/txng-hello", views.hello, name="hello"),
    path("trace/scan-location", views.scan_location, name="scan-location"),
    re_path(r"^trace/(?P<path>(?:01|414)/.+)$", views.trace_page, name="trace"),
    # Any GS1 primary key AI at the root; csrf_exempt only matters for the 405 answer to other methods.
    re_path(r"^(?P<path>(?:0[0-9]|[1-9][0-9]{1,3})/.+)$", csrf_exempt(views.resolve), name="resolve"),
]
