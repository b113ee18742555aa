from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from txng.accounts.principal import OPERATOR
from txng.core.errors import ServiceError
from txng.gs1.checkdigit import has_valid_check_digit
from txng.registry.models import AllocatedNumber, Gs1Prefix
from txng.registry.services import number_allocate
from txng.registry.tests.factories import OrganizationFactory


@pytest.mark.django_db
def test_allocations_are_sequential_valid_and_never_repeat() -> None:
    Gs1Prefix.objects.create(prefix="8938888")
    organization = OrganizationFactory()
    values = [number_allocate(actor=OPERATOR, organization=organization, kind="gtin").value for _ in range(5)]
    gln = number_allocate(actor=OPERATOR, organization=organization, kind="gln").value
    assert [v[8:13] for v in values] == ["00000", "00001", "00002", "00003", "00004"]
    assert len(set(values)) == 5
    assert all(len(v) == 14 and has_valid_check_digit(v) for v in values)
    assert len(gln) == 13
    assert has_valid_check_digit(gln)
    assert gln[:12] not in {v[1:13] for v in values}


@pytest.mark.django_db
def test_an_exhausted_pool_says_so() -> None:
    Gs1Prefix.objects.create(prefix="893888888881", next_reference=0)  # 12 digits: room for one number
    organization = OrganizationFactory()
    only = number_allocate(actor=OPERATOR, organization=organization, kind="gtin")
    assert only.value == "08938888888811"
    with pytest.raises(ServiceError, match="GS1"):
        number_allocate(actor=OPERATOR, organization=organization, kind="gtin")
    assert AllocatedNumber.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_allocations_never_repeat_a_number() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite serializes writers")
    Gs1Prefix.objects.create(prefix="8938888")
    organization = OrganizationFactory()
    results: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def worker() -> None:
        try:
            start.wait()
            for _ in range(10):
                value = number_allocate(actor=OPERATOR, organization=organization, kind="gtin").value
                with lock:
                    results.append(value)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(results) == 80
    assert len(set(results)) == 80
    assert Gs1Prefix.objects.get().next_reference == 80
