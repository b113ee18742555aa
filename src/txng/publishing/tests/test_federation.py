"""End to end: a city node pushes published events to a hub; each arrives exactly once, whatever happens.

Two real servers (as `make run` starts them) on 127.0.0.1 with their own databases, the city's `txng publishing push`
worker as a separate process, and a fault-injecting proxy between the city and the hub. Skipped only
when no port can be opened on 127.0.0.1 or the web server is missing.
"""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from txng.publishing.tests.federation import (
    BIN,
    FaultProxy,
    Node,
    Worker,
    drop_databases,
    epcis_event,
    node_pair,
    wait_for,
)

# Valid tax codes (registry.validators check digit), outside the factories' range.
NODE_TAX_CODE = "1850000013"
BUSINESS_TAX_CODE = "1850000020"


def _ports_available() -> bool:
    try:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            probe.listen()
    except OSError:
        return False
    return (BIN / "granian").exists()


pytestmark = pytest.mark.skipif(not _ports_available(), reason="needs free ports on 127.0.0.1 and granian")


@pytest.fixture
def federation(tmp_path: Path) -> Iterator[tuple[Node, Node]]:
    city, hub = node_pair(tmp_path)
    try:
        yield city, hub
    finally:
        city.stop()
        hub.stop()
        drop_databases(city, hub)
        shutil.rmtree(tmp_path, ignore_errors=True)


def _hub_event_ids(hub: Node) -> list[str]:
    return [row[0] for row in hub.rows("SELECT event_id FROM epcis_event ORDER BY event_id")]


def _city_outbox(city: Node) -> dict[str, int]:
    return dict(city.rows("SELECT status, COUNT(*) FROM publishing_outboxitem GROUP BY status"))  # type: ignore[arg-type]


def _most_attempts(city: Node) -> int:
    return int(city.rows("SELECT COALESCE(MAX(attempts), 0) FROM publishing_outboxitem WHERE status = 'failed'")[0][0])


def test_published_events_reach_the_hub_exactly_once_through_outages_errors_and_a_killed_worker(
    federation: tuple[Node, Node],
) -> None:
    # given: the hub knows the city as a source node; the city pushes to the hub through the proxy
    city, hub = federation
    node_token = hub.txng(
        "publishing", "node", "add", "--code", "can-tho", "--name", "Can Tho City node", "--tax-code", NODE_TAX_CODE
    ).split()[-1]
    hub.start()
    proxy = FaultProxy(hub.port)
    city.txng(
        "publishing", "destination", "add", "--name", "hub",
        "--url", f"http://127.0.0.1:{proxy.port}/epcis", "--token", node_token,
    )  # fmt: skip
    city.txng("org", "create", "--tax-code", BUSINESS_TAX_CODE, "--name", "HTX Bưởi Năm Roi Phong Điền")
    business_token = city.txng("token", "create", "--organization", BUSINESS_TAX_CODE).split()[-1]
    city.start()
    worker = Worker(city)
    worker.start()
    sent: list[str] = []

    def capture(first: int, count: int) -> None:
        events = [epcis_event(serial) for serial in range(first, first + count)]
        city.capture(business_token, events)
        sent.extend(str(e["eventID"]) for e in events)

    def hub_has_all() -> bool:
        return len(_hub_event_ids(hub)) >= len(sent)

    try:
        # when: events are approved (captured by a published business) in the city
        capture(1, 10)
        # then: they reach the hub, with the business's profile as master data
        wait_for(hub_has_all, seconds=20, what="the first events at the hub")

        # when: the hub is stopped for a while
        hub.stop()
        capture(11, 10)
        wait_for(lambda: _most_attempts(city) >= 2, seconds=20, what="retried attempts")
        hub.start()
        # then: the worker's retries deliver them once the hub is back
        wait_for(hub_has_all, seconds=20, what="the events captured while the hub was down")

        # when: the hub answers 500 for a while
        proxy.mode = "error"
        capture(21, 10)
        wait_for(lambda: proxy.errors_sent >= 3, seconds=20, what="injected server errors")
        proxy.mode = "pass"
        # then
        wait_for(hub_has_all, seconds=20, what="the events refused with 500")

        # when: the worker is killed after the hub stored a batch but before it heard the answer
        proxy.held.clear()
        proxy.release.clear()
        proxy.mode = "hold"
        capture(31, 10)
        wait_for(proxy.held.is_set, seconds=20, what="a push in flight")
        worker.kill()
        proxy.mode = "pass"
        proxy.release.set()
        killed_batch = proxy.forwarded[-1]
        worker.start()
        # then: the next worker re-sends the unconfirmed batch after the lease, and the hub keeps one copy
        wait_for(lambda: _city_outbox(city) == {"delivered": len(sent) + 1}, seconds=30, what="every item delivered")
    finally:
        worker.stop()
        proxy.close()

    hub_ids = _hub_event_ids(hub)
    assert hub_ids == sorted(sent)  # all of them, each once
    assert sum(batch.count(killed_batch[0]) for batch in proxy.forwarded) == 2  # sent twice, stored once
    # The source's identity: every event is the node's at the hub, under its original eventID.
    node_organizations = hub.rows(
        "SELECT DISTINCT e.organization_id, o.tax_code FROM epcis_event e "
        "JOIN registry_organization o ON o.id = e.organization_id"
    )
    assert [row[1] for row in node_organizations] == [NODE_TAX_CODE]
