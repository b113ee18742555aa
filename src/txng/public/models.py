"""The public search index: one row per published product or organization, with folded (accent-free) text.

It is derived data: `txng.public.search.search_index_refresh` rewrites rows when the review or registry
services publish, and `txng search rebuild` rebuilds it. Reads still check the published flags of the
rows they point at, so a stale row can never show something that is no longer public.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from txng.registry.models import Organization, Product


class SearchEntry(models.Model):
    class Kind(models.TextChoices):
        PRODUCT = "product", _("Product")
        ORGANIZATION = "organization", _("Producer")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    product = models.OneToOneField(Product, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=255)
    subtitle = models.CharField(max_length=300, blank=True)
    # Folded text (txng.public.text.fold): the name (and brand) weigh more than the rest.
    name_text = models.CharField(max_length=600)
    other_text = models.TextField(blank=True)
    gtin = models.CharField(max_length=14, blank=True, db_index=True)
    tax_code = models.CharField(max_length=14, blank=True, db_index=True)

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")
        constraints = [
            models.UniqueConstraint(
                fields=["organization"], condition=models.Q(kind="organization"), name="search_entry_one_per_org"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class SearchWord(models.Model):
    """A folded word of the index: the vocabulary that misspelled query words are corrected against."""

    word = models.CharField(max_length=40, primary_key=True)

    class Meta:
        verbose_name = _("search word")
        verbose_name_plural = _("search words")

    def __str__(self) -> str:
        return self.word
