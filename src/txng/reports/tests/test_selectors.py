"""The programme's statistics against what the database holds."""

from __future__ import annotations

import pytest
from django.utils import translation

from txng.accounts.principal import OPERATOR, principal_for_user
from txng.registry.tests.factories import officer
from txng.reports import selectors

from .data import YEAR, programme

pytestmark = pytest.mark.django_db


def test_targets_count_tracing_businesses_of_the_target_groups() -> None:
    # given
    data = programme()
    # when
    progress = selectors.targets(OPERATOR, before=selectors.period_end(YEAR))
    # then: 2 of the 3 businesses with priority/mandatory products trace; the craft shop is outside
    assert progress.target_businesses == 3
    assert progress.target_businesses_traced == 2
    assert progress.products_traced == len(data.traced_products) == 2
    assert round(progress.share, 1) == 66.7
    assert progress.met_2025 is True
    assert progress.met_2030 is False
    assert progress.products_met is False


def test_nothing_traced_before_the_events() -> None:
    # given
    programme()
    # when
    progress = selectors.targets(OPERATOR, before=selectors.period_end(YEAR - 1))
    # then
    assert progress.target_businesses_traced == 0
    assert progress.products_traced == 0


def test_year_summary_and_breakdowns() -> None:
    # given
    programme()
    # when
    summary = selectors.year_summary(OPERATOR, year=YEAR)
    with translation.override("en"):
        sectors = selectors.participation_by_sector(OPERATOR, before=selectors.period_end(YEAR))
    groups = dict(selectors.products_by_group(OPERATOR))
    stamps = selectors.stamps_per_month(OPERATOR, year=YEAR)
    # then
    assert (summary.organizations, summary.organizations_tracing) == (4, 2)
    assert summary.events == 2
    assert summary.scans == 3
    assert summary.inspections == 1
    assert summary.violations == 1
    assert ("Agriculture and environment", 3, 2) in sectors
    assert groups == {"Trái cây": 2, "Thủy sản": 1, "Thủ công mỹ nghệ": 1}
    assert sum(issued for _month, issued, _scanned in stamps) == summary.stamps_issued
    assert stamps[2] == (f"03/{YEAR}", 0, 3)


def test_statistics_follow_the_officer_scope() -> None:
    # given
    programme()
    trade = principal_for_user(officer("sector_department", sector="industry_trade"))
    # when
    summary = selectors.year_summary(trade, year=YEAR)
    # then
    assert summary.organizations == 1
    assert summary.organizations_tracing == 0
    assert summary.scans == 0


def test_growth_is_cumulative_and_stops_at_the_current_month() -> None:
    # given
    import datetime

    from django.utils import timezone

    from txng.registry.models import Organization

    programme()
    Organization.objects.update(created_at=timezone.make_aware(datetime.datetime(YEAR - 1, 6, 1)))
    first = Organization.objects.first()
    assert first is not None
    Organization.objects.filter(pk=first.pk).update(created_at=timezone.make_aware(datetime.datetime(YEAR, 2, 10)))
    # when
    rows = selectors.participation_over_time(OPERATOR, year=YEAR)
    # then
    today = timezone.localdate()
    assert len(rows) == (today.month if today.year == YEAR else 12)
    assert rows[0] == (f"01/{YEAR}", 3)
    assert rows[1] == (f"02/{YEAR}", 4)
    assert rows[-1][1] == 4
