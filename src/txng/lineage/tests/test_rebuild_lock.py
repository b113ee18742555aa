"""A capture that comes while the lot graph is being rebuilt waits for the rebuild, then indexes into it."""

from __future__ import annotations

import threading

import psycopg
import pytest
from django.db import connection, connections

from txng.lineage.models import Lot, LotActivity
from txng.lineage.services import GRAPH_LOCK_KEY
from txng.lineage.tests.chains import Business, harvest, lot_id


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_capture_during_a_rebuild_waits_for_it_and_then_indexes_its_lots() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (advisory locks between connections)")
    # given a business, and another connection holding the graph as `txng lineage rebuild` holds it
    farm = Business("HTX Lúa Cờ Đỏ")
    field = farm.facility()
    gtin = farm.product("Gạo ST25")
    settings = connection.settings_dict
    rebuild = psycopg.connect(
        dbname=settings["NAME"], host=settings["HOST"], port=settings["PORT"] or 5432, user=settings["USER"],
        autocommit=True,
    )  # fmt: skip
    rebuild.execute("SELECT pg_advisory_lock(%s)", [GRAPH_LOCK_KEY])
    done = threading.Event()
    errors: list[BaseException] = []

    def capture() -> None:
        try:
            farm.capture(harvest(field, lot_id(gtin, "L1"), 1200, day=3))
        except BaseException as error:  # reported to the main thread
            errors.append(error)
        finally:
            done.set()
            connections.close_all()

    worker = threading.Thread(target=capture)
    # when the capture comes, it waits while the rebuild holds the graph
    worker.start()
    assert not done.wait(1.0)
    # then, the rebuild finished, it indexes its lot
    rebuild.execute("SELECT pg_advisory_unlock(%s)", [GRAPH_LOCK_KEY])
    rebuild.close()
    worker.join(10)
    assert errors == []
    lot = Lot.objects.get(organization_id=farm.organization.pk, identifier=lot_id(gtin, "L1"))
    assert LotActivity.objects.filter(lot=lot).count() == 1


@pytest.mark.django_db
def test_rebuild_releases_the_graph(rice_chain) -> None:
    from django.core.management import call_command

    call_command("lineage", "rebuild")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND mode = 'ExclusiveLock' "
                "AND pid = pg_backend_pid()"
            )
            assert cursor.fetchone()[0] == 0
    assert Lot.objects.exists()
