from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from txng.accounts.principal import PUBLIC
from txng.registry.selectors import organization_list, product_list


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    products = product_list(principal=PUBLIC)
    context = {
        "organization_count": organization_list(principal=PUBLIC).count(),
        "product_count": products.count(),
        "latest_products": products.order_by("-updated_at", "-pk")[:8],
    }
    return render(request, "core/home.html", context)


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
