"""Link selection and RFC 9264 linksets, per GS1-Conformant resolver standard 1.1/1.2 (pure functions)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

GS1_VOC: Final = "https://gs1.org/voc/"
DEFAULT_LINK: Final = "gs1:defaultLink"
LINKSET_MEDIA_TYPE: Final = "application/linkset+json"
LINK_TYPE_TITLES: Final = {
    "gs1:defaultLink": "Default link",
    "gs1:pip": "Product information page",
    "gs1:traceability": "Traceability information",
    "gs1:certificationInfo": "Certification information",
    "gs1:recallStatus": "Recall status",
    "gs1:epcis": "EPC Information Services (EPCIS) repository",
    "gs1:homepage": "Organisation information page",
    "gs1:hasRetailers": "Has retailers",
    "gs1:instructions": "Instructions",
    "gs1:nutritionalInfo": "Nutritional information",
    "gs1:ingredientsInfo": "Ingredients information",
    "gs1:recipeInfo": "Recipe website",
    "gs1:relatedVideo": "Related video",
    "gs1:socialMedia": "Social media",
    "gs1:safetyInfo": "Safety information",
    "gs1:support": "Support",
    "gs1:locationInfo": "Location information",
}


@dataclass(frozen=True, slots=True)
class Link:
    link_type: str  # compact IRI, "gs1:pip"
    href: str
    title: str
    language: str = ""
    context: str = ""
    media_type: str = "text/html"
    is_default: bool = False
    is_ours: bool = False  # served by this site (the consumer page), gets the scan token


def normalise_link_type(value: str) -> str:
    """`gs1:pip`, `https://gs1.org/voc/pip` and `pip` all name the same GS1 link type."""
    for prefix in (GS1_VOC, "http://gs1.org/voc/", "https://ref.gs1.org/voc/"):
        if value.startswith(prefix):
            return "gs1:" + value[len(prefix) :]
    if ":" not in value:
        return "gs1:" + value
    return value


def accept_languages(header: str) -> list[str]:
    """Language tags of an Accept-Language header, best first (q=0 dropped)."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and tag != "*" and quality > 0:
            weighted.append((-quality, position, tag.lower()))
    return [tag for _, _, tag in sorted(weighted)]


def select_links(
    links: Sequence[Link], *, link_type: str | None, languages: Sequence[str] = (), context: str = ""
) -> list[Link]:
    """The links that answer a request: [] (404), one (307) or several equally good ones (300).

    Without a linkType the default link answers (conformance: "SHALL redirect to the default link unless there
    is information in the request that can be matched…"); context and Accept-Language narrow the candidates
    ("SHOULD support use of the Accept-Language … and the context keyword … to disambiguate").
    """
    if link_type is None or link_type == DEFAULT_LINK:
        candidates = [link for link in links if link.is_default]
    else:
        candidates = [link for link in links if link.link_type == link_type]
    if len(candidates) <= 1:
        return candidates
    if context:
        exact = [link for link in candidates if link.context.lower() == context.lower()]
        candidates = exact or [link for link in candidates if not link.context] or candidates
    else:
        candidates = [link for link in candidates if not link.context] or candidates
    for language in languages:
        primary = language.split("-")[0]
        matching = [link for link in candidates if link.language and link.language.lower().split("-")[0] == primary]
        if matching:
            candidates = matching
            break
    else:
        candidates = [link for link in candidates if not link.language] or candidates
    return candidates


def with_query(href: str, query: str) -> str:
    """Pass the request's key=value pairs on to the target (conformance: "By default, SHALL pass on all …")."""
    if not query:
        return href
    base, hash_mark, fragment = href.partition("#")
    joined = base + ("&" if "?" in base else "?") + query
    return joined + hash_mark + fragment


def _expand(link_type: str) -> str:
    return GS1_VOC + link_type[4:] if link_type.startswith("gs1:") else link_type


def linkset(anchor: str, links: Sequence[Link], *, item_description: str = "") -> dict[str, Any]:
    """RFC 9264 JSON linkset with GS1 link-type IRIs as relation types; the default link is listed twice:
    as gs1:defaultLink and under its descriptive type ("Links that are typed gs1:defaultLink … SHALL also be
    described using a descriptive link type")."""
    context: dict[str, Any] = {"anchor": anchor}
    if item_description:
        context["itemDescription"] = item_description
    for link in links:
        targets = [_expand(DEFAULT_LINK), _expand(link.link_type)] if link.is_default else [_expand(link.link_type)]
        for relation in targets:
            entry: dict[str, Any] = {"href": link.href, "title": link.title}
            if link.media_type:
                entry["type"] = link.media_type
            if link.language and relation != _expand(DEFAULT_LINK):
                entry["hreflang"] = [link.language]
            if link.context and relation != _expand(DEFAULT_LINK):
                entry["context"] = [link.context]
            context.setdefault(relation, []).append(entry)
    return {"linkset": [context]}


def link_header(links: Sequence[tuple[str, str, str]]) -> str:
    """An RFC 8288 Link header from (target, rel, media type)."""
    parts = []
    for target, rel, media_type in links:
        part = f'<{target}>; rel="{rel}"'
        if media_type:
            part += f'; type="{media_type}"'
        parts.append(part)
    return ", ".join(parts)
