"""The transparency log: leaves (pending, then integrated), stored tree nodes, the log head, checkpoints."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LeafKind(models.TextChoices):
    EVENT = "event", _("Event")
    ORGANIZATION = "organization", _("Organization profile")
    PRODUCT = "product", _("Product profile")
    RECALL = "recall", _("Recall")


class PendingLeaf(models.Model):
    """The sequencer's queue: a value submitted by `ledger_submit_many`, not yet in the tree."""

    kind = models.CharField(_("kind"), max_length=12, choices=LeafKind.choices)
    reference = models.CharField(_("reference"), max_length=600, unique=True)
    value = models.CharField(_("value"), max_length=200)
    source_id = models.BigIntegerField(_("source"), null=True, blank=True)
    canonical = models.TextField(_("canonical JSON"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"))

    class Meta:
        verbose_name = _("pending ledger leaf")
        verbose_name_plural = _("pending ledger leaves")

    def __str__(self) -> str:
        return self.reference


class Leaf(models.Model):
    """One logged value at its place in the tree. Written once by `ledger_integrate`, never updated."""

    Kind = LeafKind

    leaf_index = models.BigIntegerField(_("leaf index"), primary_key=True)
    kind = models.CharField(_("kind"), max_length=12, choices=LeafKind.choices)
    # eventID, "organization:<id>:<revision id>", "product:<id>:<revision id>", "recall:<code>".
    reference = models.CharField(_("reference"), max_length=600, unique=True)
    # What the leaf hashes (its UTF-8): an Event Hash ID, or "sha256:<hex>" of `canonical`.
    value = models.CharField(_("value"), max_length=200)
    # The event's primary key, so `txng ledger verify` compares with the event store (no foreign key:
    # the ledger must outlive, and report, a deleted event).
    source_id = models.BigIntegerField(_("source"), null=True, blank=True)
    canonical = models.TextField(_("canonical JSON"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"))

    class Meta:
        verbose_name = _("ledger leaf")
        verbose_name_plural = _("ledger leaves")

    def __str__(self) -> str:
        return self.reference


class Node(models.Model):
    """One complete subtree's hash; id = level << 40 | index (see merkle.node_id). Level 0: leaf hashes."""

    id = models.BigIntegerField(primary_key=True)
    hash = models.BinaryField(_("hash"), max_length=32)

    class Meta:
        verbose_name = _("ledger tree node")
        verbose_name_plural = _("ledger tree nodes")

    def __str__(self) -> str:
        return str(self.id)


class LogHead(models.Model):
    """The single row every append locks: the integrated tree's size and root."""

    tree_size = models.BigIntegerField(_("tree size"), default=0)
    root_hash = models.BinaryField(_("root hash"), max_length=32)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("ledger head")
        verbose_name_plural = _("ledger heads")

    def __str__(self) -> str:
        return str(self.tree_size)


class Checkpoint(models.Model):
    """A signed checkpoint (C2SP tlog-checkpoint in a signed note) of one tree size."""

    tree_size = models.BigIntegerField(_("tree size"), unique=True)
    root_hash = models.BinaryField(_("root hash"), max_length=32)
    note = models.TextField(_("signed note"))
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)

    class Meta:
        verbose_name = _("ledger checkpoint")
        verbose_name_plural = _("ledger checkpoints")
        ordering = ["-tree_size"]

    def __str__(self) -> str:
        return str(self.tree_size)
