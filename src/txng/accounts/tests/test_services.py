"""Accounts: self-registered business users."""

from __future__ import annotations

import pytest

from txng.accounts.models import User
from txng.core.errors import ServiceError

pytestmark = pytest.mark.django_db


def test_a_registered_account_is_neither_staff_nor_administrator() -> None:
    from txng.accounts.services import account_register

    user = account_register(username="htx.moi", password="Lua-ST25-Tai-Van", full_name="Chủ HTX")
    assert (user.is_staff, user.is_superuser, user.check_password("Lua-ST25-Tai-Van")) == (False, False, True)


def test_a_weak_password_is_refused_at_its_field_and_no_account_is_made() -> None:
    from txng.accounts.services import account_register

    with pytest.raises(ServiceError) as refused:
        account_register(username="htx.moi", password="12345678")
    assert refused.value.field == "password"
    assert not User.objects.filter(username="htx.moi").exists()
