"""The Cần Thơ demo data set: real OCOP products and places, fictitious identifiers and people.

Tax codes, GTINs, GLNs and certificate numbers here are made up (valid in form only). Product names,
producers and OCOP stars come from ../shared/data (public sources listed in its README).
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from txng.accounts.models import Agency, AgencyMembership, OrganizationMembership, User
from txng.accounts.principal import OPERATOR
from txng.accounts.services import agency_member_add, organization_member_add, user_create
from txng.core.choices import Sector
from txng.gs1.checkdigit import gs1_check_digit
from txng.registry import services
from txng.registry.models import (
    AdministrativeUnit,
    Certification,
    Facility,
    Gs1Prefix,
    OcopRating,
    Organization,
    Product,
    ProductGroup,
)
from txng.registry.validators import tax_code_check_digit

DEMO_PASSWORD = "txng-demo-2026"  # noqa: S105 - the documented demo password
UNITS_CSV = Path(__file__).resolve().parent.parent / "registry" / "data" / "can-tho-administrative-units-2025.csv"
CITY_PREFIX = "8938888"

A, T, H = Sector.AGRICULTURE, Sector.INDUSTRY_TRADE, Sector.HEALTH

PRODUCT_GROUPS = [
    # code, name, English, sector, priority, mandatory, legal basis, retention, CTEs
    (
        "lua-gao",
        "Lúa gạo",
        "Rice",
        A,
        True,
        True,
        "Kế hoạch 82/KH-UBND; TCVN 12850:2019",
        5,
        ["sowing", "fertilizing", "spraying", "harvesting", "drying", "milling", "packing", "shipping"],
    ),
    (
        "trai-cay",
        "Trái cây tươi",
        "Fresh fruit",
        A,
        True,
        True,
        "TCVN 12827:2019; mã số vùng trồng",
        3,
        ["fertilizing", "spraying", "harvesting", "packing", "shipping"],
    ),
    (
        "thuy-san",
        "Thủy sản và sản phẩm thủy sản",
        "Aquatic products",
        A,
        True,
        True,
        "TCVN 13991:2024",
        5,
        ["stocking", "feeding", "harvesting", "commissioning", "packing", "shipping"],
    ),
    (
        "thit-che-bien",
        "Thịt và sản phẩm từ thịt",
        "Meat products",
        A,
        True,
        False,
        "TCVN 13166",
        3,
        ["receiving", "commissioning", "packing", "shipping"],
    ),
    (
        "thuc-pham-che-bien",
        "Thực phẩm chế biến",
        "Processed food",
        T,
        True,
        False,
        "Nghị định 15/2018/NĐ-CP",
        3,
        ["receiving", "commissioning", "packing", "shipping"],
    ),
    (
        "do-uong",
        "Đồ uống",
        "Beverages",
        T,
        False,
        False,
        "Nghị định 15/2018/NĐ-CP",
        3,
        ["commissioning", "packing", "shipping"],
    ),
    (
        "thao-duoc",
        "Thảo dược và thực phẩm bảo vệ sức khỏe",
        "Herbal and health-supplement products",
        H,
        True,
        False,
        "Nghị định 15/2018/NĐ-CP",
        5,
        ["commissioning", "packing", "shipping"],
    ),
    ("mat-ong", "Mật ong", "Honey", A, True, False, "TCVN 12850:2019", 3, ["harvesting", "packing", "shipping"]),
    (
        "thu-cong",
        "Thủ công mỹ nghệ",
        "Handicrafts",
        T,
        False,
        False,
        "Chương trình OCOP",
        2,
        ["commissioning", "shipping"],
    ),
]


@dataclass
class DemoOrg:
    key: str
    kind: str
    name: str
    unit: str
    sectors: list[str]
    lat: str
    lon: str
    address: str
    products: list[tuple[str, str, int | None, int | None]]  # name, group, OCOP stars, OCOP year
    facilities: list[tuple[str, str]] = field(default_factory=list)  # kind, name
    certifications: list[tuple[str, str, int]] = field(default_factory=list)  # kind, issuer, years ago
    owner: str | None = None
    published: bool = True


ORGS = [
    DemoOrg(
        "hoquangtri",
        "enterprise",
        "Doanh nghiệp tư nhân Hồ Quang Trí",
        "31687",
        [A],
        "9.4910",
        "106.0200",
        "Ấp Sô La, xã Tài Văn",
        [
            ("Gạo ST25", "lua-gao", 5, 2025),
            ("Gạo thơm ST24", "lua-gao", 4, 2019),
            ("Gạo ST25 túi 5 kg", "lua-gao", None, None),
        ],
        [("growing_area", "Cánh đồng ST25 Tài Văn"), ("factory", "Nhà máy xay xát Tài Văn")],
        [("vietgap", "Chi cục Trồng trọt và BVTV", 1), ("haccp", "Tổ chức chứng nhận Quacert", 4)],
        "htx.lua",
    ),
    DemoOrg(
        "daithanhphat",
        "cooperative",
        "HTX Đại Thành Phát",
        "31411",
        [A],
        "9.8170",
        "105.7280",
        "Phường Đại Thành",
        [("Gạo Đại Thành Đại Phát", "lua-gao", 4, 2022), ("Gạo Jasmine 85", "lua-gao", None, None)],
        [("growing_area", "Vùng lúa Đại Thành 50 ha"), ("warehouse", "Kho lúa Đại Thành")],
        [("vietgap", "Chi cục Trồng trọt và BVTV", 2)],
    ),
    DemoOrg(
        "lienhung",
        "enterprise",
        "Công ty TNHH Liên Hưng",
        "31441",
        [A, T],
        "9.7900",
        "105.5150",
        "Xã Vị Thủy",
        [("Gạo sạch Liên Hưng (OM 5451)", "lua-gao", 4, 2021), ("Gạo sạch Liên Hưng (Đài Thơm 8)", "lua-gao", 4, 2021)],
        [("factory", "Nhà máy lau bóng gạo Liên Hưng")],
        [("iso22000", "Vinacert", 2)],
    ),
    DemoOrg(
        "phuthanh",
        "cooperative",
        "HTX Bưởi Năm Roi Phú Thành",
        "31342",
        [A],
        "9.8820",
        "105.8310",
        "Xã Tân Hòa",
        [
            ("Bưởi Năm Roi Phú Thành", "trai-cay", None, None),
            ("Bưởi Năm Roi loại 1 (thùng 10 kg)", "trai-cay", None, None),
        ],
        [("growing_area", "Vùng trồng bưởi Phú Thành"), ("packing_house", "Cơ sở đóng gói Phú Thành")],
        [("vietgap", "Chi cục Trồng trọt và BVTV", 4), ("collective_mark", "Cục Sở hữu trí tuệ", 9)],
        "htx.buoi",
    ),
    DemoOrg(
        "tantrungthanh",
        "cooperative",
        "HTX Tân Trung Thành",
        "31288",
        [A],
        "10.0530",
        "105.5850",
        "Xã Trường Thành",
        [("Sầu riêng Trường Thành", "trai-cay", 3, 2022), ("Sầu riêng Ri6 xuất khẩu", "trai-cay", None, None)],
        [
            ("growing_area", "Vùng trồng sầu riêng Trường Thành"),
            ("packing_house", "Nhà đóng gói sầu riêng Trường Thành"),
        ],
        [("globalgap", "Control Union", 1)],
        "htx.saurieng",
    ),
    DemoOrg(
        "dongtam",
        "cooperative",
        "HTX Nông nghiệp Đồng Tâm",
        "31258",
        [A],
        "10.0630",
        "105.5530",
        "Xã Thới Lai",
        [("Nhãn IDo Định Môn", "trai-cay", 4, 2022), ("Xoài cát Hòa Lộc", "trai-cay", None, None)],
        [("growing_area", "Vườn nhãn Định Môn")],
        [("vietgap", "Chi cục Trồng trọt và BVTV", 3)],
    ),
    DemoOrg(
        "tanloc",
        "cooperative",
        "Hợp tác xã trái cây Tân Lộc",
        "31213",
        [A],
        "10.2460",
        "105.6270",
        "Phường Tân Lộc",
        [("Nhãn Idol", "trai-cay", 3, 2021)],
        [("growing_area", "Cồn Tân Lộc")],
        [],
    ),
    DemoOrg(
        "ducthanh",
        "enterprise",
        "Công ty TNHH MTV Thương mại Đức Thành",
        "31186",
        [A, T],
        "10.0000",
        "105.7700",
        "Phường Cái Răng",
        [
            ("Khô cá tra một nắng", "thuy-san", 4, 2021),
            ("Khô cá lóc một nắng", "thuy-san", 4, 2021),
            ("Cá tra fillet sấy khô", "thuy-san", 4, 2021),
            ("Cá lóc fillet sấy khô", "thuy-san", 4, 2021),
            ("Cá rô phi fillet sấy khô", "thuy-san", 4, 2021),
            ("Cá sặc rằn sấy khô", "thuy-san", 4, 2021),
        ],
        [("factory", "Xưởng chế biến Cái Răng")],
        [("haccp", "Quacert", 2), ("food_safety", "Chi cục Thủy sản", 4)],
    ),
    DemoOrg(
        "catrathotnot",
        "enterprise",
        "Công ty CP Thủy sản Thốt Nốt (dữ liệu mẫu)",
        "31207",
        [A],
        "10.2700",
        "105.5350",
        "Phường Thốt Nốt",
        [
            ("Cá tra fillet đông lạnh IQF", "thuy-san", None, None),
            ("Cá tra cắt khúc đông lạnh", "thuy-san", None, None),
        ],
        [
            ("pond", "Ao nuôi cá tra số 1 Thốt Nốt"),
            ("pond", "Ao nuôi cá tra số 2 Thốt Nốt"),
            ("factory", "Nhà máy chế biến cá tra Thốt Nốt"),
            ("cold_store", "Kho lạnh Trà Nóc"),
        ],
        [("globalgap", "Control Union", 1), ("haccp", "Quacert", 1), ("iso22000", "Vinacert", 5)],
        "dn.catra",
    ),
    DemoOrg(
        "kynhu",
        "cooperative",
        "Hợp tác xã Kỳ Như",
        "31465",
        [A],
        "9.7840",
        "105.4700",
        "Xã Vị Thanh 1",
        [
            ("Cá thát lát rút xương tẩm gia vị Kỳ Như", "thuy-san", 5, 2023),
            ("Khô cá sặc rằn một nắng Kỳ Như", "thuy-san", 4, 2021),
        ],
        [("factory", "Cơ sở chế biến Kỳ Như")],
        [("food_safety", "Chi cục QLCL Nông lâm thủy sản", 1)],
    ),
    DemoOrg(
        "phamnghia",
        "enterprise",
        "Công ty CP Thực phẩm Phạm Nghĩa",
        "31168",
        [T],
        "10.0700",
        "105.7500",
        "Phường Bình Thủy",
        [
            ("Chả cá thát lát Phạm Nghĩa", "thuc-pham-che-bien", 4, 2021),
            ("Chả cá thát lát rút xương kim sa Phạm Nghĩa", "thuc-pham-che-bien", 4, 2021),
        ],
        [("factory", "Nhà máy Phạm Nghĩa")],
        [("haccp", "Quacert", 3)],
    ),
    DemoOrg(
        "kimngan",
        "household_business",
        "Hộ kinh doanh Kim Ngân",
        "31207",
        [A],
        "10.2680",
        "105.5320",
        "Phường Thốt Nốt",
        [
            ("Nem chua Thốt Nốt Kim Ngân", "thit-che-bien", None, None),
            ("Chả lụa Kim Ngân", "thit-che-bien", 4, 2022),
            ("Giò thủ Kim Ngân", "thit-che-bien", 4, 2022),
        ],
        [("factory", "Cơ sở sản xuất Kim Ngân")],
        [("food_safety", "Sở Nông nghiệp và Môi trường", 4)],
        "hkd.nem",
    ),
    DemoOrg(
        "thuanhung",
        "cooperative_group",
        "Tổ hợp tác bánh tráng Thuận Hưng",
        "31228",
        [T],
        "10.2050",
        "105.6000",
        "Phường Thuận Hưng",
        [
            ("Bánh tráng Thuận Hưng", "thuc-pham-che-bien", None, None),
            ("Bánh tráng mè đen Thuận Hưng", "thuc-pham-che-bien", None, None),
        ],
        [("factory", "Làng nghề bánh tráng Thuận Hưng")],
        [],
        None,
        False,
    ),
    DemoOrg(
        "kimnhien",
        "enterprise",
        "Công ty TNHH Chế biến nông sản Kim Nhiên",
        "31299",
        [T],
        "10.0000",
        "105.6700",
        "Xã Phong Điền",
        [("Trà mãng cầu Kim Nhiên", "do-uong", 4, 2020)],
        [("factory", "Xưởng trà Kim Nhiên")],
        [],
    ),
    DemoOrg(
        "namhieu",
        "enterprise",
        "Công ty TNHH Chế biến Trái cây Năm Hiếu",
        "31150",
        [T],
        "10.0200",
        "105.7300",
        "Phường An Bình",
        [
            ("Nước mãng cầu gai", "do-uong", 4, 2022),
            ("Nước xoài", "do-uong", 4, 2022),
            ("Nước thanh long ruột đỏ", "do-uong", 4, 2022),
        ],
        [("factory", "Nhà máy nước ép Năm Hiếu")],
        [("iso22000", "Vinacert", 4)],
    ),
    DemoOrg(
        "hygie",
        "enterprise",
        "Công ty TNHH MTV Hygie&Panacee",
        "31135",
        [H],
        "10.0340",
        "105.7870",
        "Phường Ninh Kiều",
        [
            ("Trà hòa tan Đinh lăng Hygie", "thao-duoc", 4, 2022),
            ("Trà hòa tan Gừng Mật ong Hygie", "thao-duoc", 4, 2022),
            ("Trà hòa tan Diếp cá Hygie", "thao-duoc", 4, 2022),
        ],
        [("factory", "Xưởng Hygie Ninh Kiều")],
        [("iso22000", "Vinacert", 2)],
    ),
    DemoOrg(
        "giotphusa",
        "cooperative",
        "Hợp tác xã Nông nghiệp ứng dụng công nghệ cao Giọt Phù Sa",
        "31237",
        [A, H],
        "10.2300",
        "105.4000",
        "Xã Vĩnh Trinh",
        [("Sợi sấy thăng hoa Đông trùng hạ thảo Agrimush", "thao-duoc", 4, 2022)],
        [("farm", "Trại nấm Giọt Phù Sa")],
        [("organic", "Control Union", 1)],
    ),
    DemoOrg(
        "dinhgia",
        "enterprise",
        "Công ty TNHH MTV Sản xuất thương mại Đinh Gia Foods",
        "31201",
        [T],
        "10.0100",
        "105.7900",
        "Phường Hưng Phú",
        [
            ("Đậu phộng tỏi ớt", "thuc-pham-che-bien", 4, 2022),
            ("Hạt điều rang", "thuc-pham-che-bien", 4, 2022),
            ("Hạt điều gấc mật ong", "thuc-pham-che-bien", 4, 2022),
            ("Đậu phộng gấc mật ong", "thuc-pham-che-bien", 4, 2022),
        ],
        [("factory", "Xưởng Đinh Gia Foods")],
        [("haccp", "Quacert", 5)],
    ),
    DemoOrg(
        "maton",
        "household_business",
        "Hộ kinh doanh Mật ong Hai Tân (dữ liệu mẫu)",
        "31315",
        [A],
        "10.0800",
        "105.6500",
        "Xã Nhơn Ái",
        [("Mật ong hoa nhãn", "mat-ong", None, None), ("Mật ong hoa tràm", "mat-ong", None, None)],
        [("farm", "Trại ong Nhơn Ái")],
        [("vietgap", "Chi cục Chăn nuôi và Thú y", 5)],
    ),
    DemoOrg(
        "sonthilang",
        "individual",
        "Sơn Thị Lang",
        "31261",
        [T],
        "10.1000",
        "105.4300",
        "Xã Cờ Đỏ",
        [("Đan lát lục bình Cờ Đỏ", "thu-cong", 3, 2022)],
        [("store", "Điểm bán đan lát Cờ Đỏ")],
        [],
    ),
    DemoOrg(
        "haison",
        "enterprise",
        "Hải Sơn Food Processing Ltd",
        "31507",
        [T],
        "9.6030",
        "105.9740",
        "Phường Sóc Trăng",
        [("Bánh pía sầu riêng trứng Hải Sơn", "thuc-pham-che-bien", 4, 2024)],
        [("factory", "Xưởng bánh pía Hải Sơn")],
        [("food_safety", "Sở Công Thương", 1)],
    ),
]

USERS = [
    # username, full name, agency code or None, role
    ("dost", "Nguyễn Thị Minh Thư (Sở KH&CN)", "so-khcn", "officer"),
    ("nongnghiep", "Trần Văn Phúc (Sở NN&MT)", "so-nnmt", "officer"),
    ("congthuong", "Lê Thị Hồng (Sở Công Thương)", "so-ct", "officer"),
    ("yte", "Phạm Quốc Bảo (Sở Y tế)", "so-yt", "officer"),
    ("phuong.ninhkieu", "Võ Thanh Tâm (UBND phường Ninh Kiều)", "ubnd-ninh-kieu", "officer"),
    ("thanhtra", "Đặng Minh Khoa (Thanh tra Sở NN&MT)", "so-nnmt", "inspector"),
]


def demo_tax_code(key: str, province: str = "18") -> str:
    """A stable, well-formed but fictitious tax code for a demo organization."""
    seed = int(hashlib.sha256(key.encode()).hexdigest(), 16)
    while True:
        body = province + f"{seed % 10**7:07d}"
        digit = tax_code_check_digit(body)
        if digit is not None:
            return body + str(digit)
        seed //= 7


def demo_gtin(company_prefix: str, item: int) -> str:
    body = f"{company_prefix}{item:0{12 - len(company_prefix)}d}"
    return "0" + body + gs1_check_digit(body)


def _years_ago(today: datetime.date, years: int) -> datetime.date:
    return today.replace(year=today.year - years, day=min(today.day, 28))


@transaction.atomic
def load_demo_data(*, today: datetime.date | None = None) -> dict[str, int]:
    """Create (or complete) the demo data; running it again changes nothing."""
    today = today or datetime.date.today()
    services.administrative_units_import(path=UNITS_CSV)
    for code, name, name_en, sector, priority, mandatory, basis, retention, ctes in PRODUCT_GROUPS:
        ProductGroup.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "sector": sector,
                "is_priority": priority,
                "is_mandatory": mandatory,
                "legal_basis": basis,
                "retention_years": retention,
                "expected_ctes": ctes,
            },
        )
    Gs1Prefix.objects.get_or_create(
        prefix=CITY_PREFIX, defaults={"description": "Mã doanh nghiệp GS1 của thành phố (mẫu)"}
    )
    agencies: dict[str, tuple[str, str, str, str | None]] = {
        "so-khcn": ("Sở Khoa học và Công nghệ thành phố Cần Thơ", Agency.Kind.DOST, "", None),
        "so-nnmt": ("Sở Nông nghiệp và Môi trường thành phố Cần Thơ", Agency.Kind.SECTOR_DEPARTMENT, A, None),
        "so-ct": ("Sở Công Thương thành phố Cần Thơ", Agency.Kind.SECTOR_DEPARTMENT, T, None),
        "so-yt": ("Sở Y tế thành phố Cần Thơ", Agency.Kind.SECTOR_DEPARTMENT, H, None),
        "ubnd-ninh-kieu": ("UBND phường Ninh Kiều", Agency.Kind.LOCAL_AUTHORITY, "", "31135"),
    }
    agency_rows = {}
    for code, (name, kind, agency_sector, unit) in agencies.items():
        agency_rows[code], _ = Agency.objects.update_or_create(
            code=code, defaults={"name": name, "kind": kind, "sector": agency_sector, "administrative_unit_id": unit}
        )
    if not User.objects.filter(username="admin").exists():
        user_create(
            actor=OPERATOR, username="admin", password=DEMO_PASSWORD, full_name="Quản trị hệ thống", is_superuser=True
        )
    for username, full_name, agency_code, role in USERS:
        user = User.objects.filter(username=username).first() or user_create(
            actor=OPERATOR, username=username, password=DEMO_PASSWORD, full_name=full_name
        )
        if not AgencyMembership.objects.filter(user=user, agency=agency_rows[agency_code]).exists():
            agency_member_add(actor=OPERATOR, agency=agency_rows[agency_code], user=user, role=role)
    groups = {group.code: group for group in ProductGroup.objects.all()}
    for index, spec in enumerate(ORGS, start=1):
        _load_organization(spec, index, groups, today)
    return {
        "units": AdministrativeUnit.objects.count(),
        "organizations": Organization.objects.count(),
        "products": Product.objects.count(),
        "facilities": Facility.objects.count(),
        "certifications": Certification.objects.count(),
        "ocop_ratings": OcopRating.objects.count(),
    }


def _load_organization(spec: DemoOrg, index: int, groups: dict[str, ProductGroup], today: datetime.date) -> None:
    tax_code = demo_tax_code(spec.key)
    organization = Organization.objects.filter(tax_code=tax_code).first()
    if organization is None:
        organization = services.organization_create(
            actor=OPERATOR,
            tax_code=tax_code,
            name=spec.name,
            kind=spec.kind,
            address=spec.address,
            administrative_unit_id=spec.unit,
            representative="",
            phone=f"0292 38{index:02d} {index * 37 % 1000:03d}",
            gs1_company_prefix=f"893{6000 + index:04d}",
            sectors=spec.sectors,
            approve=spec.published,
        )
    if spec.owner and not OrganizationMembership.objects.filter(organization=organization).exists():
        owner = User.objects.filter(username=spec.owner).first() or services_user(spec.owner, spec.name)
        organization_member_add(actor=OPERATOR, organization=organization, user=owner, role="owner")
    if not organization.facilities.exists():
        for number, (kind, name) in enumerate(spec.facilities, start=1):
            body = f"{organization.gs1_company_prefix}{number:0{12 - len(organization.gs1_company_prefix)}d}"
            services.facility_create(
                actor=OPERATOR,
                organization=organization,
                kind=kind,
                name=name,
                gln=body + gs1_check_digit(body),
                administrative_unit_id=spec.unit,
                latitude=Decimal(spec.lat) + Decimal(number) / 1000,
                longitude=Decimal(spec.lon) + Decimal(number) / 1000,
                planting_area_code=f"VN-CTO-{index:03d}-{number:02d}" if kind == "growing_area" else "",
                packing_house_code=f"VN-PH-CTO-{index:03d}" if kind == "packing_house" else "",
                area_hectares=Decimal("12.5") * number if kind in {"growing_area", "farm", "pond"} else None,
            )
    if not organization.products.exists():
        rows = [
            {
                "gtin": demo_gtin(organization.gs1_company_prefix, item),
                "name": name,
                "product_group": group,
                "brand": spec.name.split()[-1],
                "unit": "gói" if groups[group].sector != A else "kg",
                "net_content": "500 g",
                "shelf_life_days": 365 if group in {"lua-gao", "thao-duoc", "thuc-pham-che-bien"} else 30,
                "applied_standards": "VietGAP" if group in {"lua-gao", "trai-cay"} else "TCVN 5603:2023 (HACCP)",
            }
            for item, (name, group, _stars, _year) in enumerate(spec.products, start=1)
        ]
        result = services.products_import(actor=OPERATOR, organization=organization, rows=rows, publish=spec.published)
        if result.errors:
            raise RuntimeError(f"demo products of {spec.name}: {result.errors}")
        for product, (_name, _group, stars, year) in zip(result.created, spec.products, strict=True):
            if stars:
                services.ocop_rating_create(
                    actor=OPERATOR,
                    product=product,
                    stars=stars,
                    issued_on=datetime.date(year or 2022, 9, 15),
                    level=OcopRating.Level.NATIONAL if stars == 5 else OcopRating.Level.CITY,
                    ocop_group="Thực phẩm",
                    certificate_number=f"{index:02d}{stars}/OCOP-CT",
                    decision_number=f"{3500 + index}/QĐ-UBND",
                )
    if not organization.certifications.exists():
        for number, (kind, issuer, years_ago) in enumerate(spec.certifications, start=1):
            issued = _years_ago(today, years_ago)
            services.certification_create(
                actor=OPERATOR,
                organization=organization,
                kind=kind,
                number=f"{kind.upper()}-{index:03d}-{number:02d}",
                issuer=issuer,
                issued_on=issued,
                # Three-year certificates: those issued four or more years ago are now expired.
                expires_on=issued.replace(year=issued.year + 3),
                facility=organization.facilities.first(),
            )


def services_user(username: str, organization_name: str) -> User:
    return user_create(actor=OPERATOR, username=username, password=DEMO_PASSWORD, full_name=f"Chủ {organization_name}")


DEMO_LOGINS = [
    ("admin", "Quản trị hệ thống / system administrator"),
    ("dost", "Cán bộ Sở KH&CN — thẩm định, công bố / DOST reviewer"),
    ("nongnghiep", "Cán bộ Sở NN&MT — ngành nông nghiệp / agriculture sector officer"),
    ("congthuong", "Cán bộ Sở Công Thương / industry & trade sector officer"),
    ("yte", "Cán bộ Sở Y tế / health sector officer"),
    ("phuong.ninhkieu", "Cán bộ UBND phường Ninh Kiều / local-authority officer"),
    ("thanhtra", "Thanh tra / inspector"),
    ("htx.lua", "Chủ DNTN Hồ Quang Trí (gạo ST25) / business owner"),
    ("htx.buoi", "Chủ HTX Bưởi Năm Roi Phú Thành / co-op owner"),
    ("dn.catra", "Chủ Công ty CP Thủy sản Thốt Nốt / exporter"),
    ("hkd.nem", "Chủ hộ kinh doanh Kim Ngân (nem Thốt Nốt) / household business"),
]
