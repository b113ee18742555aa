"""The site's home page belongs to the public portal; it keeps the global URL name "home"."""

from django.urls import URLPattern, path

from txng.public import views

urlpatterns: list[URLPattern] = [path("", views.home, name="home")]
