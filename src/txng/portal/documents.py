"""Download of a business's handed-in papers: for its members and the officers who oversee it only."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpRequest, HttpResponseBase
from django.urls import reverse
from django.views.decorators.http import require_GET

from txng.accounts.principal import principal_for_request
from txng.core.errors import NotFound
from txng.registry.selectors import organization_document_get


@require_GET
def document_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("portal:business-login"))
    try:
        document = organization_document_get(principal=principal_for_request(request), pk=pk)
    except NotFound:
        raise Http404 from None
    name = f"{document.get_kind_display()}-{document.pk}{document.file.name[document.file.name.rfind('.') :]}"
    response = FileResponse(document.file.open("rb"), as_attachment=True, filename=name)
    response["Content-Type"] = document.content_type
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
