"""The seller (tenant) and its settings, validated when they are saved.

Each settings group is its own model so that the CLI, the API and the flows
read and change one group at a time; every field has a default so that rows
written by an older version still load.
"""

from __future__ import annotations

import re
from datetime import time
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.ch import vat as ch_vat

from oms.errors import ErrorCode, InvalidInput
from oms.model import Language

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


def normalize_vat_number(value: str) -> str:
    """`CHE-123.456.789 MWST` with a valid mod-11 check digit, or InvalidInput."""
    raw = value.strip()
    if not re.fullmatch(r"CHE-?\d{3}\.?\d{3}\.?\d{3}( ?(MWST|TVA|IVA))?", raw):
        raise InvalidInput(
            f"VAT number {value!r}: expected the form CHE-123.456.789 MWST",
            ErrorCode.INVALID_VAT_NUMBER,
        )
    digits = re.sub(r"\D", "", raw)
    if not ch_vat.is_valid(f"CHE{digits} MWST"):
        raise InvalidInput(
            f"VAT number {value!r}: the check digit is wrong", ErrorCode.INVALID_VAT_NUMBER
        )
    return f"CHE-{digits[0:3]}.{digits[3:6]}.{digits[6:9]} MWST"


def is_qr_iban(compact_iban: str) -> bool:
    """A QR-IBAN has an institution id (IBAN digits 5-9) in 30000-31999."""
    return 30000 <= int(compact_iban[4:9]) <= 31999


# Characters a Swiss QR-bill may carry (implementation guidelines v2.3): Basic Latin,
# Latin-1 Supplement, Latin Extended-A, plus Ș ș Ț ț and €.
_QR_BILL_TEXT = re.compile(r"[\x20-\x7e\xa0-\u017f\u0218-\u021b\u20ac]*")


def qr_bill_text_problem(value: str) -> str | None:
    """Why `value` cannot be printed on a QR-bill (a character outside its set), or None."""
    if _QR_BILL_TEXT.fullmatch(value):
        return None
    bad = next(c for c in value if not _QR_BILL_TEXT.fullmatch(c))
    return f"the character {bad!r} (U+{ord(bad):04X}) is not allowed on a QR-bill"


def normalize_iban(value: str) -> str:
    """A valid Swiss or Liechtenstein IBAN / QR-IBAN in compact form, or InvalidInput."""
    try:
        iban = IBAN(value)
    except SchwiftyException as exc:
        raise InvalidInput(f"IBAN {value!r}: {exc}", ErrorCode.INVALID_IBAN) from exc
    if iban.country_code not in ("CH", "LI"):
        raise InvalidInput(
            f"IBAN {value!r}: QR-bills need a Swiss or Liechtenstein account",
            ErrorCode.INVALID_IBAN,
        )
    return str(iban.compact)


class Automations(BaseModel):
    """Each stage is off until the seller switches it on."""

    model_config = ConfigDict(extra="forbid")
    auto_confirm: bool = False  # every open order -> confirmed, every 5 minutes
    auto_ship: bool = False  # every confirmed order -> shipped, daily at auto_ship_at
    auto_ship_at: time = time(17, 0)  # local time of the seller's time zone
    auto_deliver: bool = False  # every shipped order -> delivered, every 5 minutes


EmailEvent = Literal["confirmed", "cancelled", "shipped", "delivered"]


class Notifications(BaseModel):
    """Which buyer emails Sales Scaler sends for webshop orders."""

    model_config = ConfigDict(extra="forbid")
    confirmed: bool = True
    cancelled: bool = True
    shipped: bool = True
    delivered: bool = False
    attach_invoice_on: EmailEvent | None = "confirmed"
    reply_to: Annotated[str, Field(max_length=320)] | None = None

    def sends(self, event: str) -> bool:
        return bool(getattr(self, event, False))


HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
FONTS = ("Liberation Sans", "DejaVu Sans", "DejaVu Serif", "Liberation Serif")
SnippetText = Annotated[str, Field(max_length=2000)]


class Branding(BaseModel):
    """How the seller's documents and emails look. Texts are data, never templates."""

    model_config = ConfigDict(extra="forbid")
    primary_colour: str = "#1f3a5f"
    accent_colour: str = "#e4572e"
    font: str = "Liberation Sans"
    logo_png_base64: Annotated[str, Field(max_length=700_000)] | None = None
    thank_you: SnippetText = ""
    after_sales: SnippetText = ""
    disclaimer: SnippetText = ""

    @field_validator("primary_colour", "accent_colour")
    @classmethod
    def _hex(cls, value: str) -> str:
        if not HEX_COLOUR.fullmatch(value):
            raise ValueError(f"{value!r} is not a colour like #1f3a5f")
        return value.lower()

    @field_validator("font")
    @classmethod
    def _font(cls, value: str) -> str:
        if value not in FONTS:
            raise ValueError(f"{value!r} is not one of the bundled fonts: {', '.join(FONTS)}")
        return value


class DocumentSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    invoice_number_format: str = "R-{year}-{seq:05}"
    delivery_note_number_format: str = "L-{year}-{seq:05}"
    payment_terms_days: int = Field(default=30, ge=0, le=365)

    @field_validator("invoice_number_format", "delivery_note_number_format")
    @classmethod
    def _format(cls, value: str) -> str:
        from oms.numbering import check_number_format

        try:
            check_number_format(value)
        except InvalidInput as exc:
            raise ValueError(exc.message) from None
        return value

    @field_validator("invoice_number_format")
    @classmethod
    def _fits_a_payment_reference(cls, value: str) -> str:
        # The QR-bill's reference is made from the invoice number: at most 26 digits
        # (QR reference) and 21 letters and digits (ISO 11649 creditor reference).
        from oms.numbering import format_number

        sample = format_number(value, 2026, 9_999_999)
        if len(re.sub(r"\D", "", sample)) > 26 or len(re.sub(r"[^0-9A-Za-z]", "", sample)) > 21:
            raise ValueError(
                f"{value!r} makes invoice numbers too long for a QR-bill reference "
                "(at most 21 letters and digits, e.g. R-{year}-{seq:05})"
            )
        return value


class ChartOfAccounts(BaseModel):
    """Swiss SME chart (KMU-Kontenrahmen) defaults; the seller maps its own numbers."""

    model_config = ConfigDict(extra="forbid")
    receivables: str = "1100"
    bank: str = "1020"
    clearing: str = "1090"  # payments collected by a marketplace / payment provider
    revenue: str = "3200"
    shipping_revenue: str = "3400"
    vat_payable: str = "2200"
    revenue_by_vat_rate: dict[str, str] = Field(default_factory=dict)  # "2.6" -> "3210"
    clearing_by_channel: dict[str, str] = Field(default_factory=dict)  # connection name -> account


class SellerProfile(BaseModel):
    """Who the seller is: what invoices and QR-bills print as the creditor."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    slug: str
    name: Annotated[str, Field(min_length=1, max_length=70)]
    street: Annotated[str, Field(min_length=1, max_length=70)]
    house_number: Annotated[str, Field(max_length=16)] = ""
    postal_code: Annotated[str, Field(min_length=1, max_length=16)]
    city: Annotated[str, Field(min_length=1, max_length=35)]
    country: str = "CH"
    vat_number: str | None = None
    iban: str | None = None
    email: Annotated[str, Field(max_length=320)] | None = None
    default_language: Language = "de"
    timezone: str = "Europe/Zurich"

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.fullmatch(value):
            raise ValueError("use lower-case letters, digits and dashes, e.g. 'alpen-shop'")
        return value

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Z]{2}", value):
            raise ValueError("must be an ISO 3166-1 alpha-2 code such as CH")
        return value

    @field_validator("vat_number")
    @classmethod
    def _vat(cls, value: str | None) -> str | None:
        return None if value in (None, "") else normalize_vat_number(value)

    @field_validator("iban")
    @classmethod
    def _iban(cls, value: str | None) -> str | None:
        return None if value in (None, "") else normalize_iban(value)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone such as Europe/Zurich") from None
        return value

    @model_validator(mode="after")
    def _qr_bill_creditor(self) -> SellerProfile:
        # With an IBAN the profile is the QR-bill's creditor (a structured address):
        # refuse now what a bank would refuse later.
        if self.iban:
            for name in ("name", "street", "house_number", "postal_code", "city"):
                problem = qr_bill_text_problem(getattr(self, name))
                if problem:
                    raise ValueError(f"{name}: {problem}")
        return self

    @property
    def has_qr_iban(self) -> bool:
        return self.iban is not None and is_qr_iban(self.iban)


class Seller(BaseModel):
    """A seller with every settings group, as loaded from the store."""

    id: int
    profile: SellerProfile
    automations: Automations = Field(default_factory=Automations)
    notifications: Notifications = Field(default_factory=Notifications)
    branding: Branding = Field(default_factory=Branding)
    documents: DocumentSettings = Field(default_factory=DocumentSettings)
    accounts: ChartOfAccounts = Field(default_factory=ChartOfAccounts)

    @property
    def slug(self) -> str:
        return self.profile.slug


SETTINGS_GROUPS: dict[str, type[BaseModel]] = {
    "profile": SellerProfile,
    "automations": Automations,
    "notifications": Notifications,
    "branding": Branding,
    "documents": DocumentSettings,
    "accounts": ChartOfAccounts,
}
