"""Pages of the business portal (mounted at /portal/; names start with `business-`)."""

from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, path, re_path

from . import diary, imports, stamps, views

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="portal/business/login.html", next_page="portal:business-home"),
        name="business-login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page="portal:business-login"), name="business-logout"),
    path("register/", views.register, name="business-register"),
    path("", views.home, name="business-home"),
    path("organization/", views.organization_page, name="business-organization"),
    path("facilities/", views.facility_add, name="business-facilities"),
    path("facilities/<int:pk>/", views.facility_edit, name="business-facility"),
    path("products/", views.product_add, name="business-products"),
    re_path(r"^products/(?P<gtin>\d{14})/$", views.product_edit, name="business-product"),
    path("review/", views.review, name="business-review"),
    path("diary/", diary.diary, name="business-diary"),
    re_path(r"^lots/(?P<gtin>\d{14})/(?P<lot>[^/]{1,20})/$", diary.lot_detail, name="business-lot"),
    path("incoming/", diary.incoming, name="business-incoming"),
    path("incoming/confirm", diary.incoming_confirm, name="business-incoming-confirm"),
    path("stamps/", stamps.stamps, name="business-stamps"),
    path("stamps/<int:pk>/bind", stamps.stamp_bind, name="business-stamp-bind"),
    re_path(r"^stamps/(?P<pk>\d+)/labels\.(?P<fmt>pdf|csv)$", stamps.stamp_download, name="business-stamp-download"),
    path("import/", imports.imports, name="business-imports"),
    path("import/<int:pk>/", imports.import_job, name="business-import-job"),
    path("import/template-<str:kind>.csv", imports.import_template, name="business-import-template"),
    path("tokens/", views.tokens, name="business-tokens"),
    path("tokens/<int:pk>/revoke", views.token_revoke, name="business-token-revoke"),
    path("push/", views.push_help, name="business-push"),
]
