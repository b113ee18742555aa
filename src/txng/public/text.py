"""Vietnamese text for search: fold accents and case, split into words, compare words by trigrams.

Pure Python, the same on every database, so SQLite and PostgreSQL rank the same candidates alike.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NOT_WORD = re.compile(r"[^0-9a-z]+")
# đ/Đ are letters of their own, not d with a mark: NFKD leaves them as they are.
_LETTERS = str.maketrans({"đ": "d", "Đ": "d", "ð": "d"})


def fold(text: str) -> str:
    """Lower-case ASCII words separated by single spaces: "Bưởi Năm Roi" → "buoi nam roi"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    bare = "".join(char for char in decomposed if not unicodedata.combining(char)).lower()
    return _NOT_WORD.sub(" ", bare).strip()


def words(text: str) -> list[str]:
    """The folded words of a text."""
    return fold(text).split()


@lru_cache(maxsize=4096)
def trigrams(word: str) -> frozenset[str]:
    """The word's trigrams padded as pg_trgm pads them (two spaces before, one after)."""
    padded = f"  {word} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def word_similarity(word: str, other: str) -> float:
    """Share of trigrams two words have in common (pg_trgm's similarity of single words)."""
    if word == other:
        return 1.0
    mine, theirs = trigrams(word), trigrams(other)
    return len(mine & theirs) / len(mine | theirs)


def match_score(query_words: list[str], document_words: list[str]) -> float:
    """How well a document matches: each query word scores its best document word, averaged.

    A document word that starts with the query word counts as a full match (partial queries: "buoi nam r");
    numbers (codes) only match as parts of a word, never by similarity.
    """
    if not query_words or not document_words:
        return 0.0
    total = 0.0
    for word in query_words:
        best = 0.0
        for candidate in document_words:
            if candidate.startswith(word):
                best = 1.0
                break
            if word in candidate:
                best = max(best, 0.8)
            elif not word.isdigit():  # codes match exactly or not at all
                best = max(best, word_similarity(word, candidate))
        total += best
    return total / len(query_words)
