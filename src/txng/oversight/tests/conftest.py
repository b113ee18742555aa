from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from txng.lineage.tests.chains import Business, harvest, lot_id, quantity, ship, transform
from txng.lineage.tests.conftest import RiceChain, rice_chain
from txng.registry.models import Facility
from txng.registry.tests.factories import ProductGroupFactory

__all__ = ["PangasiusChain", "RiceChain", "pangasius_chain", "rice_chain"]

IMPORTER = "https://id.gs1.org/417/0614141000005"


@dataclass
class PangasiusChain:
    farm: Business
    plant: Business
    store: Business
    fish: list[str]
    fillet: str
    cartons: list[str]
    other_fish: str
    other_fillet: str


@pytest.fixture
def pangasius_chain(db: None) -> PangasiusChain:
    """Three ponds → one fillet lot → three carton lots → cold store → importer abroad; plus a second line
    from a fourth pond into its own fillet lot, which no recall of the first line may reach."""
    group = ProductGroupFactory(code="thuy-san", name="Thủy sản")
    farm, plant, store = Business("HTX Cá tra Thốt Nốt"), Business("Nhà máy chế biến Trà Nóc"), Business("Kho lạnh")
    ponds = [farm.facility(Facility.Kind.POND) for _ in range(4)]
    line, cold = plant.facility(), store.facility(Facility.Kind.COLD_STORE)
    fish_gtin = farm.product("Cá tra nguyên con", group)
    fish = [lot_id(fish_gtin, f"AO-{n}") for n in range(4)]
    fillet_gtin = plant.product("Cá tra phi lê", group)
    fillet, other_fillet = lot_id(fillet_gtin, "FIL-1"), lot_id(fillet_gtin, "FIL-2")
    carton_gtin = plant.product("Cá tra phi lê thùng 10 kg", group)
    cartons = [lot_id(carton_gtin, f"CT-{n}") for n in range(3)]
    farm.capture(
        *[harvest(p, f, 4000, 1) for p, f in zip(ponds, fish, strict=True)],
        *[ship(p, plant.organization, [quantity(f, 4000)], 2) for p, f in zip(ponds, fish, strict=True)],
    )
    plant.capture(
        transform(line, [quantity(f, 4000) for f in fish[:3]], [quantity(fillet, 4200)], 3, step="filleting"),
        transform(line, [quantity(fish[3], 4000)], [quantity(other_fillet, 1400)], 3, step="filleting"),
        transform(line, [quantity(fillet, 4200)], [quantity(c, 1400) for c in cartons], 4, step="packing"),
        *[ship(line, store.organization, [quantity(c, 1400)], 5) for c in cartons],
    )
    store.capture(ship(cold, IMPORTER, [quantity(c, 1000) for c in cartons], 9))
    return PangasiusChain(farm, plant, store, fish[:3], fillet, cartons, fish[3], other_fillet)


@pytest.fixture(autouse=True)
def _english_pages(client: Any, settings: Any) -> None:
    """These tests read the English text; the Vietnamese pages are checked by core/tests/test_i18n.py."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
