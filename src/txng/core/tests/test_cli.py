from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from txng.accounts.models import ApiToken
from txng.accounts.services import api_token_authenticate
from txng.cli import OPERATOR_COMMANDS, main
from txng.core.models import AuditEntry
from txng.registry.models import AdministrativeUnit, Organization, Product, ReviewStatus
from txng.registry.tests.factories import next_tax_code

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_help_lists_the_operator_commands(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.argv", ["txng", "--help"])
    main()
    assert capsys.readouterr().out == OPERATOR_COMMANDS
    for command in ("demo-data", "createadmin", "import-units", "org create", "token create"):
        assert command in OPERATOR_COMMANDS


def test_org_create_registers_an_approved_published_organization() -> None:
    tax_code = next_tax_code()
    out = _run("org", "create", "--tax-code", tax_code, "--name", "HTX Kiểm Tra", "--kind", "cooperative")
    organization = Organization.objects.get(tax_code=tax_code)
    assert organization.kind == "cooperative"
    assert organization.is_published
    assert organization.review_status == ReviewStatus.PUBLISHED
    assert tax_code in out
    assert AuditEntry.objects.filter(action="organization.create", object_id=str(organization.pk)).exists()


def test_org_create_refuses_a_wrong_check_digit() -> None:
    tax_code = next_tax_code()
    wrong = tax_code[:-1] + str((int(tax_code[-1]) + 1) % 10)
    with pytest.raises(CommandError, match="tax-code-check-digit"):
        _run("org", "create", "--tax-code", wrong, "--name", "X")
    assert not Organization.objects.exists()


def test_org_create_refuses_a_duplicate() -> None:
    tax_code = next_tax_code()
    _run("org", "create", "--tax-code", tax_code, "--name", "Một")
    with pytest.raises(CommandError, match="duplicate-tax-code"):
        _run("org", "create", "--tax-code", tax_code, "--name", "Hai")
    assert Organization.objects.get().name == "Một"


def test_org_create_refuses_an_unknown_kind() -> None:
    with pytest.raises(CommandError):
        _run("org", "create", "--tax-code", next_tax_code(), "--name", "X", "--kind", "bank")
    assert not Organization.objects.exists()


def test_token_create_prints_a_working_token_last_and_stores_only_its_hash() -> None:
    tax_code = next_tax_code()
    _run("org", "create", "--tax-code", tax_code, "--name", "HTX Token")
    out = _run("token", "create", "--organization", tax_code, "--name", "ERP")
    raw = out.strip().splitlines()[-1]
    token = ApiToken.objects.get()
    assert len(raw) >= 40
    assert raw not in token.token_hash
    assert api_token_authenticate(raw) == token
    assert api_token_authenticate(raw + "x") is None


def test_revoked_token_no_longer_authenticates() -> None:
    tax_code = next_tax_code()
    _run("org", "create", "--tax-code", tax_code, "--name", "HTX Token")
    raw = _run("token", "create", "--organization", tax_code).strip().splitlines()[-1]
    prefix = ApiToken.objects.get().prefix
    _run("token", "revoke", prefix)
    assert api_token_authenticate(raw) is None


def test_token_create_for_unknown_organization_fails() -> None:
    with pytest.raises(CommandError, match="No organization"):
        _run("token", "create", "--organization", "0100109106")


def test_import_units_loads_the_103_units_of_can_tho(shared_dir: Path) -> None:
    out = _run("import_units", str(shared_dir / "data/can-tho-administrative-units-2025.csv"))
    assert "103" in out
    assert AdministrativeUnit.objects.filter(kind="ward").count() == 31
    assert AdministrativeUnit.objects.filter(kind="commune").count() == 72
    assert AdministrativeUnit.objects.get(code="31135").name == "Phường Ninh Kiều"


def test_import_units_rejects_a_file_without_the_columns(tmp_path: Path) -> None:
    bad = tmp_path / "units.csv"
    bad.write_text("ma,ten\n1,A\n", encoding="utf-8")
    with pytest.raises(CommandError, match="missing-columns"):
        _run("import_units", str(bad))
    assert not AdministrativeUnit.objects.exists()


def test_demo_data_is_complete_and_idempotent() -> None:
    first = _run("demo_data")
    counts = (Organization.objects.count(), Product.objects.count())
    second = _run("demo_data")
    assert (Organization.objects.count(), Product.objects.count()) == counts
    assert counts[0] >= 15
    assert counts[1] >= 40
    assert set(Organization.objects.values_list("kind", flat=True)) == set(Organization.Kind.values)
    assert "dost" in first
    assert first.splitlines()[0] == second.splitlines()[0]


def test_demo_seasons_are_captured_once_clean_and_stamped(client: Client) -> None:
    # given / when: the demo loaded twice
    from txng.epcis.models import Event
    from txng.lineage.checks import lot_checks
    from txng.lineage.models import Lot

    first = _run("demo_data")
    events = Event.objects.count()
    _run("demo_data")
    # then: two seasons of events, stored once, with a lot graph that raises no warning
    assert events >= 10
    assert Event.objects.count() == events
    assert all(lot_checks(lot) == [] for lot in Lot.objects.all())
    # and a printed demo stamp opens a consumer page with the whole journey, back to the sowing
    stamp = next(line.split(": ", 1)[1] for line in first.splitlines() if line.startswith("Scan a demo stamp"))
    location = client.get(urlsplit(stamp).path)["Location"]
    page = client.get(location).content.decode()
    assert page.count("<li") >= 8
    assert "Cánh đồng ST25 Tài Văn" in page
    assert "Xưởng chế biến Cái Răng" in page  # the trader who received the bags
