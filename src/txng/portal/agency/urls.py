"""Pages of the agency portal (mounted at /agency/; names start with `agency-`)."""

from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, path, re_path

from . import inspection_views, report_views, supervision, views

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="portal/agency/login.html", next_page="portal:agency-home"),
        name="agency-login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page="portal:agency-login"), name="agency-logout"),
    path("", views.home, name="agency-home"),
    path("review/", views.review_queue, name="agency-review"),
    path("review/bulk", views.review_bulk, name="agency-review-bulk"),
    path("review/<int:pk>/", views.review_detail, name="agency-review-detail"),
    path("businesses/", supervision.businesses, name="agency-businesses"),
    path("businesses/<int:pk>/", supervision.business_detail, name="agency-business"),
    path("products/", supervision.products, name="agency-products"),
    path("map/", supervision.facility_map, name="agency-map"),
    path("lots/", supervision.lots, name="agency-lots"),
    path("certificates/", supervision.certificates, name="agency-certificates"),
    path("inactive/", supervision.inactive, name="agency-inactive"),
    path("signals/", supervision.signals, name="agency-signals"),
    path("reports/", supervision.reports, name="agency-reports"),
    path("reports/<int:pk>/handled", supervision.report_handle, name="agency-report-handle"),
    path("inspections/", inspection_views.inspection_list, name="agency-inspections"),
    path("inspections/new", inspection_views.inspection_plan, name="agency-inspection-plan"),
    path("inspections/<int:pk>/", inspection_views.inspection_detail, name="agency-inspection"),
    path("violations/<int:pk>/recall", inspection_views.violation_recall, name="agency-violation-recall"),
    path("dashboard/", report_views.dashboard, name="agency-dashboard"),
    re_path(r"^dashboard/(?P<key>[a-z]+)\.csv$", report_views.figure_csv, name="agency-figure-csv"),
    path("annual/", report_views.annual_reports, name="agency-annual-reports"),
    path("annual/new", report_views.annual_report_start, name="agency-annual-report-start"),
    path("annual/<int:pk>/", report_views.annual_report_detail, name="agency-annual-report"),
    re_path(
        r"^annual/(?P<pk>\d+)/report\.(?P<fmt>pdf|xlsx)$", report_views.annual_report_file, name="agency-annual-file"
    ),
    path("catalog/", report_views.catalog, name="agency-catalog"),
    path("catalog/units/", report_views.units, name="agency-units"),
]
