"""Search of published products and producers, the same interface on SQLite and PostgreSQL.

Passes, cheapest first:
1. identifiers: a pasted GS1 Digital Link, a bracketed or raw element string, a GTIN or a tax code (MST);
2. strict: every query word occurs in the entry (SQLite FTS5 trigram substrings; PostgreSQL full-text
   prefix search over a weighted tsvector);
3. fuzzy, only when the strict pass leaves the page short and a query word is not (the start of) a word
   of the index: each such word is replaced by the index words closest to it by trigram similarity (the
   pg_trgm measure, over the index's vocabulary, SearchWord) and the strict pass runs again - what finds
   "buoi nam roj". (Running an OR of every trigram over all entries instead cost 20-100 ms at 20,000
   products; correcting the words costs about one strict pass.)
4. still nothing: entries with all the words but one (each word left out in turn).
The candidates of passes 2-4 are ranked by one pure-Python score (txng.public.text), so both
databases order results alike.
"""

from __future__ import annotations

import bisect
import math
import re
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse

from txng.gs1 import GS1Error, parse_digital_link, parse_element_string, parse_hri
from txng.public.models import SearchEntry, SearchWord
from txng.public.text import fold, match_score, trigrams
from txng.registry.models import Organization, Product

MAX_QUERY_LENGTH: Final = 200
# Candidates fetched from the database per pass; pages beyond them are not offered.
CANDIDATES: Final = 100
MIN_SCORE: Final = 0.5
FUZZY_MIN_SIMILARITY: Final = 0.3
VOCABULARY_SECONDS: Final = 60.0
MAX_LEFT_OUT: Final = 4
_WORD_MAX: Final = 40
_CHUNK: Final = 2000
# Alternatives for one query word, and whether they must match whole words (corrections) or word starts.
Group = tuple[list[str], bool]
_DIGITS = re.compile(r"^\d+$")
_TAX_CODE = re.compile(r"^(\d{10})(?:-?(\d{3}))?$")
_GTIN_IN_URI = re.compile(r"/01/(\d{8,14})(?:[/?#]|$)")


@dataclass(frozen=True)
class SearchHit:
    kind: str
    title: str
    subtitle: str
    url: str
    score: float
    gtin: str = ""
    organization_id: int | None = None


@dataclass
class SearchPage:
    query: str
    hits: list[SearchHit] = field(default_factory=list)
    offset: int = 0
    limit: int = 20
    total: int = 0  # matches found, at most CANDIDATES (+ identifier hits)
    is_fuzzy: bool = False  # the fuzzy pass was needed

    @property
    def has_next(self) -> bool:
        return self.offset + self.limit < self.total

    @property
    def has_previous(self) -> bool:
        return self.offset > 0


# ---------------------------------------------------------------------------------------------- reads


def search_published(query: str, *, limit: int = 20, offset: int = 0) -> SearchPage:
    """Published products and producers matching `query`, best first (accent-insensitive, typo-tolerant)."""
    query = " ".join(query.split())[:MAX_QUERY_LENGTH]
    limit = max(1, min(limit, 100))
    offset = max(0, offset)
    page = SearchPage(query=query, offset=offset, limit=limit)
    if not query:
        return page
    exact = _identifier_entries(query)
    query_words = [word for word in fold(query).split() if word]
    ranked: list[tuple[float, SearchEntry]] = [(2.0, entry) for entry in exact]
    if query_words:
        seen = {entry.pk for entry in exact}
        candidate_ids = [pk for pk in _backend().strict([([word], False) for word in query_words]) if pk not in seen]
        if len(candidate_ids) + len(exact) < offset + limit:
            groups = corrections(query_words)
            if groups is not None:
                page.is_fuzzy = True
                known = set(candidate_ids)
                candidate_ids += [pk for pk in _backend().strict(groups) if pk not in seen and pk not in known]
        if not candidate_ids and len(query_words) > 1:
            # No entry has every word: look for those missing one of them. (Any-word OR queries rank
            # most of the index on common words: 40 ms and more at 50,000 products.)
            page.is_fuzzy = True
            for left_out in range(min(len(query_words), MAX_LEFT_OUT)):
                rest = [([word], False) for index, word in enumerate(query_words) if index != left_out]
                known = set(candidate_ids)
                candidate_ids += [pk for pk in _backend().strict(rest) if pk not in seen and pk not in known]
        scored = []
        for entry in _published_entries(candidate_ids):
            score = _score(query_words, entry)
            if score >= MIN_SCORE:
                scored.append((score, entry))
        scored.sort(key=lambda item: (-item[0], item[1].kind != SearchEntry.Kind.PRODUCT, item[1].title, item[1].pk))
        ranked += scored
    page.total = len(ranked)
    page.hits = [_hit(entry, score) for score, entry in ranked[offset : offset + limit]]
    return page


def _score(query_words: list[str], entry: SearchEntry) -> float:
    name_words = entry.name_text.split()
    name = match_score(query_words, name_words)
    everything = match_score(query_words, name_words + entry.other_text.split())
    return round(max(name, 0.85 * everything), 4)


def _hit(entry: SearchEntry, score: float) -> SearchHit:
    if entry.kind == SearchEntry.Kind.PRODUCT:
        url = reverse("public:product", kwargs={"gtin": entry.gtin})
    else:
        url = reverse("public:producer", kwargs={"organization_id": entry.organization_id})
    return SearchHit(entry.kind, entry.title, entry.subtitle, url, score, entry.gtin, entry.organization_id)


def _published_q() -> Q:
    return Q(organization__is_published=True) & (
        Q(kind=SearchEntry.Kind.ORGANIZATION) | Q(product__is_published=True, kind=SearchEntry.Kind.PRODUCT)
    )


def _published_entries(ids: Sequence[int]) -> list[SearchEntry]:
    if not ids:
        return []
    return list(SearchEntry.objects.filter(_published_q(), pk__in=list(ids)))


def _identifier_gtin(query: str) -> str | None:
    text = query.strip()
    ais: Sequence[tuple[str, str]] = ()
    try:
        if text.lower().startswith(("http://", "https://")):
            ais = parse_digital_link(text, permit_zero_suppressed_gtin=True, check_associations=False).path
        elif text.startswith("("):
            ais = parse_hri(text.replace(" ", ""), validate=False)
        elif len(text) > 16 and text.startswith("01") and text[2:16].isdigit():
            ais = parse_element_string(text, validate=False)
    except (GS1Error, ValueError):
        match = _GTIN_IN_URI.search(text)
        return match[1].zfill(14) if match else None
    gtin = dict(ais).get("01")
    if gtin is None and _DIGITS.match(text) and len(text) in (8, 12, 13, 14):
        gtin = text
    return gtin.zfill(14) if gtin else None


def _identifier_entries(query: str) -> list[SearchEntry]:
    compact = query.replace(" ", "")
    conditions = Q(pk__in=[])
    gtin = _identifier_gtin(query)
    if gtin:
        conditions |= Q(kind=SearchEntry.Kind.PRODUCT, gtin=gtin)
    tax = _TAX_CODE.match(compact)
    if tax:
        tax_code = tax[1] + (f"-{tax[2]}" if tax[2] else "")
        conditions |= Q(kind=SearchEntry.Kind.ORGANIZATION, tax_code__in={tax_code, tax_code.replace("-", "")})
    if not gtin and not tax:
        return []
    return list(SearchEntry.objects.filter(_published_q(), conditions).order_by("kind", "title"))


# -------------------------------------------------------------------------------------------- backends


class _SQLiteSearch:
    """FTS5 with the trigram tokenizer; the indexed text is padded with spaces (see migration 0002)."""

    @staticmethod
    def _term(word: str, exact: bool) -> str:
        # Trigram MATCH needs 3 characters: a 2-letter word is matched as a word start (" st"); an exact
        # word is matched with the spaces around it.
        text = f" {word} " if exact else word if len(word) >= 3 else f" {word}"
        return '"' + text.replace('"', '""') + '"'

    def strict(self, groups: list[Group]) -> list[int]:
        terms = []
        for group, exact in groups:
            words = [self._term(word, exact) for word in group if len(word) >= 2]
            if words:
                terms.append("(" + " OR ".join(words) + ")")
        if not terms:
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rowid FROM public_search_fts WHERE public_search_fts MATCH %s "
                "ORDER BY bm25(public_search_fts, 4.0, 1.0) LIMIT %s",
                [" AND ".join(terms), CANDIDATES],
            )
            return [row[0] for row in cursor.fetchall()]


class _PostgresSearch:
    """Full-text search: a prefix tsquery over a weighted tsvector (unaccent as a second guard)."""

    def strict(self, groups: list[Group]) -> list[int]:
        tsquery = " & ".join(
            "(" + " | ".join(word if exact else f"{word}:*" for word in group) + ")" for group, exact in groups if group
        )
        if not tsquery:
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                # The query is computed once (unaccent is only STABLE: inline, it would run for every row).
                "SELECT id FROM public_searchentry, to_tsquery('simple', unaccent(%s)) AS query "
                "WHERE search_vector @@ query ORDER BY ts_rank(search_vector, query) DESC, id LIMIT %s",
                [tsquery, CANDIDATES],
            )
            return [row[0] for row in cursor.fetchall()]


# ------------------------------------------------------------------------------------------ vocabulary


class _Vocabulary:
    """The index's words and a trigram index over them, per process, reloaded every VOCABULARY_SECONDS."""

    def __init__(self) -> None:
        self.loaded_at = -math.inf
        self.words: frozenset[str] = frozenset()
        self.sorted_words: list[str] = []
        self.by_trigram: dict[str, list[str]] = {}
        self.lock = threading.Lock()

    def current(self) -> _Vocabulary:
        if time.monotonic() - self.loaded_at > VOCABULARY_SECONDS:
            with self.lock:
                if time.monotonic() - self.loaded_at > VOCABULARY_SECONDS:
                    self._load()
        return self

    def _load(self) -> None:
        words = frozenset(SearchWord.objects.values_list("word", flat=True))
        by_trigram: dict[str, list[str]] = defaultdict(list)
        for word in words:
            for gram in trigrams(word):
                by_trigram[gram].append(word)
        self.words, self.sorted_words, self.by_trigram = words, sorted(words), dict(by_trigram)
        self.loaded_at = time.monotonic()

    def forget(self) -> None:
        self.loaded_at = -math.inf

    def has_prefix(self, word: str) -> bool:
        index = bisect.bisect_left(self.sorted_words, word)
        return index < len(self.sorted_words) and self.sorted_words[index].startswith(word)

    def similar(self, word: str, count: int = 4) -> list[str]:
        """The index words closest to `word` by trigram similarity (pg_trgm's own on PostgreSQL)."""
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # `%` uses pg_trgm.similarity_threshold, 0.3 by default: FUZZY_MIN_SIMILARITY.
                cursor.execute(
                    "SELECT word FROM public_searchword WHERE word %% %s "
                    "ORDER BY similarity(word, %s) DESC, word LIMIT %s",
                    [word, word, count],
                )
                return [row[0] for row in cursor.fetchall()]
        shared: dict[str, int] = defaultdict(int)
        for gram in trigrams(word):
            for candidate in self.by_trigram.get(gram, ()):
                shared[candidate] += 1
        mine = len(trigrams(word))
        scored = sorted(
            ((hits / (mine + len(trigrams(candidate)) - hits), candidate) for candidate, hits in shared.items()),
            reverse=True,
        )
        return [candidate for score, candidate in scored[:count] if score >= FUZZY_MIN_SIMILARITY]


_vocabulary = _Vocabulary()


def corrections(words: list[str]) -> list[Group] | None:
    """Each query word with the index words it may be a misspelling of; None when nothing needs correcting.

    A word that is (the start of) an index word stays as it is; a number is never corrected; a word with
    no close index word is dropped, unless it is the only one.
    """
    vocabulary = _vocabulary.current()
    groups: list[Group] = []
    corrected = False
    for word in words:
        if word.isdigit() or vocabulary.has_prefix(word):
            groups.append(([word], False))
            continue
        corrected = True
        similar = vocabulary.similar(word)
        if similar:
            groups.append((similar, True))
    if not corrected or not groups:
        return None
    return groups


def _backend() -> _SQLiteSearch | _PostgresSearch:
    return _PostgresSearch() if connection.vendor == "postgresql" else _SQLiteSearch()


# --------------------------------------------------------------------------------------------- writes


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    values = sorted(set(ids))
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _product_entry(product: Product) -> SearchEntry:
    organization = product.organization
    group = product.product_group
    unit = organization.administrative_unit
    other = " ".join(
        part
        for part in (
            organization.name,
            group.name if group else "",
            group.name_en if group else "",
            unit.name if unit else "",
            product.description[:300],
        )
        if part
    )
    return SearchEntry(
        kind=SearchEntry.Kind.PRODUCT,
        product_id=product.pk,
        organization_id=organization.pk,
        title=product.name,
        subtitle=organization.name,
        name_text=fold(f"{product.name} {product.brand} {product.name_en}")[:600],
        other_text=f"{fold(other)} {product.gtin} {organization.tax_code}",
        gtin=product.gtin,
        tax_code=organization.tax_code,
    )


def _organization_entry(organization: Organization) -> SearchEntry:
    unit = organization.administrative_unit
    other = " ".join(part for part in (organization.address, unit.name if unit else "") if part)
    return SearchEntry(
        kind=SearchEntry.Kind.ORGANIZATION,
        organization_id=organization.pk,
        title=organization.name,
        subtitle=organization.address,
        name_text=fold(f"{organization.name} {organization.name_en}")[:600],
        other_text=f"{fold(other)} {organization.tax_code}",
        tax_code=organization.tax_code,
    )


@transaction.atomic
def search_index_refresh(*, product_ids: Iterable[int] = (), organization_ids: Iterable[int] = ()) -> int:
    """Rewrite the index entries of these products and organizations (an organization: its products too).

    Only published products of published organizations get entries; the rest lose theirs. Returns the
    number of entries written.
    """
    organizations = set(organization_ids)
    products = set(product_ids)
    for chunk in _chunks(organizations):
        products.update(Product.objects.filter(organization_id__in=chunk).values_list("pk", flat=True))
        SearchEntry.objects.filter(kind=SearchEntry.Kind.ORGANIZATION, organization_id__in=chunk).delete()
    written: list[SearchEntry] = []
    for chunk in _chunks(organizations):
        written += [
            _organization_entry(organization)
            for organization in Organization.objects.filter(pk__in=chunk, is_published=True).select_related(
                "administrative_unit"
            )
        ]
    for chunk in _chunks(products):
        SearchEntry.objects.filter(product_id__in=chunk).delete()
        written += [
            _product_entry(product)
            for product in Product.objects.filter(
                pk__in=chunk, is_published=True, organization__is_published=True
            ).select_related("organization__administrative_unit", "product_group")
        ]
    SearchEntry.objects.bulk_create(written, batch_size=_CHUNK)
    words = {
        word
        for entry in written
        for word in f"{entry.name_text} {entry.other_text}".split()
        if 1 < len(word) <= _WORD_MAX and not word.isdigit()
    }
    SearchWord.objects.bulk_create([SearchWord(word=word) for word in words], batch_size=_CHUNK, ignore_conflicts=True)
    _vocabulary.forget()
    return len(written)


@transaction.atomic
def search_index_rebuild() -> int:
    """Drop the whole index and build it again from the published register."""
    SearchEntry.objects.all().delete()
    SearchWord.objects.all().delete()
    organization_ids = Organization.objects.filter(is_published=True).values_list("pk", flat=True)
    return search_index_refresh(organization_ids=list(organization_ids))
