"""Resolver behaviour, each test citing the GS1-Conformant resolver statement it covers
(../shared/gs1/digital-link/resolver/testsuite/Conformance1_2.txt, ConformantResolver1_0.txt)."""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from txng.accounts.principal import OPERATOR
from txng.codes.models import StampBatch
from txng.codes.selectors import stamp_batch_stamps
from txng.registry.models import Product
from txng.registry.services import certification_create
from txng.registry.tests.factories import next_gtin
from txng.resolver.models import ProductLink, Scan
from txng.resolver.services import product_link_create

pytestmark = pytest.mark.django_db
MakeBatch = Callable[..., StampBatch]
LINKSET = "application/linkset+json"


def _stamp_path(batch: StampBatch) -> str:
    stamp = next(stamp_batch_stamps(batch))
    return urlsplit(stamp.digital_link("https://x.example")).path


def test_default_link_is_a_307_to_the_consumer_page(client: Client, make_batch: MakeBatch) -> None:
    # "SHALL redirect to the default link unless there is information in the request …"
    path = _stamp_path(make_batch())
    response = client.get(path)
    assert response.status_code == 307
    location = urlsplit(response["Location"])
    assert location.path == "/trace" + path
    assert "scan" in parse_qs(location.query)


def test_redirect_passes_on_the_query_string(client: Client, product: Product) -> None:
    # "By default, SHALL pass on all key=value pairs in the query string of the request URI"
    response = client.get(f"/01/{product.gtin}?foo=bar&utm_source=qr")
    assert response.status_code == 307
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["foo"] == ["bar"]
    assert query["utm_source"] == ["qr"]


def test_redirect_exposes_the_linkset_in_a_link_header(client: Client, product: Product) -> None:
    # "SHOULD expose link to the linkset in an HTTP Link header, even when redirecting."
    response = client.get(f"/01/{product.gtin}")
    assert f'/01/{product.gtin}?linkType=linkset>; rel="linkset"; type="{LINKSET}"' in response["Link"]


def test_invalid_uri_is_a_400(client: Client, product: Product) -> None:
    # "SHALL extract and syntactically validate the URI … and report errors with an HTTP response code of 400."
    bad_check_digit = product.gtin[:-1] + str((int(product.gtin[-1]) + 1) % 10)
    for path in (f"/01/{bad_check_digit}", f"/01/{product.gtin}/21/S1/10/L1", f"/01/{product.gtin[1:]}"):
        response = client.get(path)
        assert response.status_code == 400, path
        assert response["Content-Type"] == "application/problem+json"


def test_unknown_gtin_is_a_404_never_a_200(client: Client, db: None) -> None:
    # "SHALL NOT use a 200 OK response code with a resource that indicates an error condition."
    response = client.get(f"/01/{next_gtin()}", HTTP_ACCEPT="text/html")
    assert response.status_code == 404
    assert Scan.objects.get().verdict == "not_in_system"


def test_not_found_page_names_each_code_in_the_visitors_language(client: Client, db: None) -> None:
    # The page is rendered once per language and shared: each answer must still show its own code, escaped,
    # return to its own path when the language is switched, and follow the visitor's language.
    first, second = next_gtin(), next_gtin()
    page = client.get(f"/01/{first}/21/A%3Cb%3E", HTTP_ACCEPT="text/html").content.decode()
    assert f"(01){first}(21)A&lt;b&gt;" in page
    assert "<b>" not in page
    assert f'value="/01/{first}/21/A%3Cb%3E"' in page
    assert "Không có trong hệ thống" in page
    client.cookies["django_language"] = "en"
    page = client.get(f"/01/{second}", HTTP_ACCEPT="text/html").content.decode()
    assert f"(01){second}" in page
    assert first not in page
    assert "Not in the system" in page
    assert "csrfmiddlewaretoken" not in page


def test_linktype_redirects_to_the_requested_type(client: Client, make_batch: MakeBatch) -> None:
    # "SHALL redirect to the requested linkType if available"
    path = _stamp_path(make_batch())
    response = client.get(path + "?linkType=gs1:traceability")
    assert response.status_code == 307
    assert urlsplit(response["Location"]).fragment == "journey"


def test_linktype_accepts_the_full_gs1_voc_iri(client: Client, product: Product) -> None:
    # "SHALL recognise the GS1 Web vocabulary namespace"
    response = client.get(f"/01/{product.gtin}?linkType=https://gs1.org/voc/pip")
    assert response.status_code == 307
    assert urlsplit(response["Location"]).path == f"/trace/01/{product.gtin}"


def test_certification_info_link_exists_only_with_certificates(client: Client, product: Product) -> None:
    # "SHALL return a 404 Not Found message if a link of the requested type is not available."
    assert client.get(f"/01/{product.gtin}?linkType=gs1:certificationInfo").status_code == 404
    certification_create(
        actor=OPERATOR, organization=product.organization, kind="vietgap", number="VG-1", product=product
    )
    response = client.get(f"/01/{product.gtin}?linkType=gs1:certificationInfo")
    assert response.status_code == 307
    assert urlsplit(response["Location"]).fragment == "certifications"


def test_recall_status_without_a_link_is_404(client: Client, product: Product) -> None:
    # "SHALL return a 404 Not Found message if a link of the requested type is not available."
    assert client.get(f"/01/{product.gtin}?linkType=gs1:recallStatus").status_code == 404


def test_business_link_of_a_type_is_served(client: Client, product: Product) -> None:
    # Businesses add their own links per GTIN; "SHALL redirect to the requested linkType if available".
    product_link_create(
        actor=OPERATOR, product=product, link_type="gs1:recallStatus", href="https://producer.example/recall", title="R"
    )
    response = client.get(f"/01/{product.gtin}?linkType=gs1:recallStatus")
    assert response.status_code == 307
    assert response["Location"] == "https://producer.example/recall?linkType=gs1:recallStatus"


@pytest.mark.parametrize(("query", "accept"), [("?linkType=linkset", ""), ("?linkType=all", ""), ("", LINKSET)])
def test_linkset_is_returned_as_rfc9264(client: Client, make_batch: MakeBatch, query: str, accept: str) -> None:
    # "SHALL respond to a query parameter of linkType set to linkset and/or a request with the HTTP Accept header
    # set to application/linkset+json by returning a list of links … as per RFC9264."
    batch = make_batch()
    path = _stamp_path(batch)
    product_link_create(
        actor=OPERATOR, product=batch.product, link_type="gs1:hasRetailers", href="https://shop.example/", title="Shop",
        language="vi",
    )  # fmt: skip
    response = client.get(path + query, HTTP_ACCEPT=accept) if accept else client.get(path + query)
    assert response.status_code == 200
    body = json.loads(response.content)
    (context,) = body["linkset"]
    # "The URI used as the subject of facts presented SHALL be the uncompressed version."
    assert context["anchor"] == "http://testserver" + path
    # "Links that are typed gs1:defaultLink … SHALL also be described using a descriptive link type"
    default = context["https://gs1.org/voc/defaultLink"][0]
    assert context["https://gs1.org/voc/pip"][0]["href"] == default["href"]
    # "All links in the linkset SHALL include the target URL, the link type and a link title, and SHOULD include
    # the human language(s)."; GTIN-level links are included for a serial-level request ("each level up").
    assert context["https://gs1.org/voc/hasRetailers"] == [
        {"href": "https://shop.example/", "title": "Shop", "type": "text/html", "hreflang": ["vi"]}
    ]
    for relation, links in context.items():
        if relation.startswith("https://gs1.org/voc/"):
            assert all(link["href"] and link["title"] for link in links)
    assert not Scan.objects.exists()  # a machine reading links is not a scan


def test_linkset_media_type_follows_the_accept_header(client: Client, product: Product) -> None:
    response = client.get(f"/01/{product.gtin}", HTTP_ACCEPT=LINKSET)
    assert response["Content-Type"] == LINKSET


def test_ambiguous_links_are_a_300_and_accept_language_disambiguates(client: Client, product: Product) -> None:
    # "SHOULD support use of the Accept-Language … to disambiguate between multiple links of the same linkType"
    for language in ("vi", "en"):
        product_link_create(
            actor=OPERATOR, product=product, link_type="gs1:instructions", href=f"https://p.example/{language}",
            title=f"Instructions {language}", language=language,
        )  # fmt: skip
    english = client.get(f"/01/{product.gtin}?linkType=gs1:instructions", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8")
    assert english.status_code == 307
    assert english["Location"].startswith("https://p.example/en")
    ambiguous = client.get(f"/01/{product.gtin}?linkType=gs1:instructions", HTTP_ACCEPT_LANGUAGE="fr")
    assert ambiguous.status_code == 300
    assert len(json.loads(ambiguous.content)["linkset"][0]["https://gs1.org/voc/instructions"]) == 2


def test_context_keyword_disambiguates(client: Client, product: Product) -> None:
    # "… and the context keyword in the query string, to disambiguate between multiple links"
    for context in ("VN", "US"):
        product_link_create(
            actor=OPERATOR, product=product, link_type="gs1:hasRetailers", href=f"https://shop.example/{context}",
            title=context, context=context,
        )  # fmt: skip
    response = client.get(f"/01/{product.gtin}?linkType=gs1:hasRetailers&context=US")
    assert response.status_code == 307
    assert response["Location"].startswith("https://shop.example/US")


def test_inactive_business_links_are_not_served(client: Client, product: Product) -> None:
    link = product_link_create(
        actor=OPERATOR, product=product, link_type="gs1:support", href="https://p.example/help", title="Help"
    )
    ProductLink.objects.filter(pk=link.pk).update(is_active=False)
    assert client.get(f"/01/{product.gtin}?linkType=gs1:support").status_code == 404


def test_head_and_options_are_supported_with_cors(client: Client, product: Product) -> None:
    # "SHALL support HTTP 1.1 (or higher) GET, HEAD and OPTIONS requests." and "SHALL support CORS"
    head = client.head(f"/01/{product.gtin}")
    assert head.status_code == 307
    assert head["Access-Control-Allow-Origin"] == "*"
    options = client.options(f"/01/{product.gtin}")
    assert options.status_code == 204
    assert "HEAD" in options["Access-Control-Allow-Methods"]
    assert not Scan.objects.exists()  # only GET is a scan


def test_trailing_slash_is_tolerated(client: Client, product: Product) -> None:
    # "SHOULD tolerate trailing slashes at the end of GS1 Digital Link URIs"
    assert client.get(f"/01/{product.gtin}/").status_code == 307


def test_other_primary_keys_without_links_are_404(client: Client, db: None) -> None:
    # A syntactically valid SSCC that we hold no links for.
    assert client.get("/00/089300010000000012").status_code in (400, 404)
    assert client.get("/00/006141411234567890").status_code == 404


def test_location_trace_code_resolves_to_the_place(client: Client, product: Product) -> None:
    from txng.registry.services import facility_create

    facility_create(
        actor=OPERATOR,
        organization=product.organization,
        kind="packing_house",
        name="Nhà đóng gói",
        gln="8930001000018",
    )
    response = client.get("/414/8930001000018")
    assert response.status_code == 307
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Nhà đóng gói" in page.content.decode()


def test_well_known_resolver_description(client: Client, db: None, settings: object) -> None:
    # "The resolver SHALL provide a resolver description file at /.well-known/gs1resolver";
    # "The list of supported primary identifiers SHALL be provided in the Resolver Description File"
    settings.DIGITAL_LINK_BASE = "https://tx.example.vn"  # type: ignore[attr-defined]
    response = client.get("/.well-known/gs1resolver")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["resolverRoot"] == "https://tx.example.vn"
    assert body["supportedPrimaryKeys"] == ["01", "414"]
    assert body["supportedLinkType"] == [{"namespace": "https://gs1.org/voc/", "prefix": "gs1:"}]
    assert "gs1:pip" in body["activeLinkTypes"]["en"]
