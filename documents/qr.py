"""The Swiss QR-bill of an invoice: its reference, its payload and its SVG (via `qrbill`).

A QR-IBAN takes a QR reference (QRR: 26 digits + a mod-10 recursive check
digit); a normal IBAN takes an ISO 11649 creditor reference (SCOR, `RF..`).
Both are derived from the invoice number, so a payment names its invoice.
Only structured (type S) addresses are passed; `qrbill` still decides every
rule of the standard and its ValueError becomes our `QrBillError`.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from decimal import Decimal

from documents.qr_image import bill_class, with_qr_image
from oms.model import Address
from oms.seller import SellerProfile, is_qr_iban, qr_bill_text_problem

CURRENCIES = ("CHF", "EUR")
MIN_AMOUNT, MAX_AMOUNT = Decimal("0.01"), Decimal("999999999.99")
_MOD10_TABLE = (0, 9, 4, 6, 8, 2, 7, 1, 3, 5)


class QrBillError(ValueError):
    """The QR-bill cannot be made (settings or order data the standard refuses)."""


def mod10_recursive(digits: str) -> int:
    """The check digit of a QR reference (Swiss mod-10 recursive)."""
    carry = 0
    for d in digits:
        carry = _MOD10_TABLE[(carry + int(d)) % 10]
    return (10 - carry) % 10


def qr_reference(invoice_number: str) -> str:
    """27 digits: the invoice number's digits, zero-padded to 26, and the check digit."""
    digits = re.sub(r"\D", "", invoice_number).lstrip("0") or "0"
    if len(digits) > 26:
        raise QrBillError(f"invoice number {invoice_number!r} has more than 26 digits")
    body = digits.rjust(26, "0")
    return body + str(mod10_recursive(body))


def _iso7064_mod97(text: str) -> int:
    return int("".join(str(int(c, 36)) for c in text)) % 97


def creditor_reference(invoice_number: str) -> str:
    """ISO 11649 `RF` + 2 check digits + the invoice number's letters and digits (≤ 21)."""
    body = re.sub(r"[^0-9A-Za-z]", "", invoice_number).upper()
    if not body or len(body) > 21:
        raise QrBillError(
            f"invoice number {invoice_number!r}: needs 1 to 21 letters/digits for an RF reference"
        )
    check = 98 - _iso7064_mod97(body + "RF00")
    return f"RF{check:02d}{body}"


def reference_for(iban: str, invoice_number: str) -> str:
    return qr_reference(invoice_number) if is_qr_iban(iban) else creditor_reference(invoice_number)


_HOUSE_NUMBER = re.compile(r"^(?P<street>.*\D)\s+(?P<num>\d+\s?[A-Za-z]?(?:[-/]\d+[A-Za-z]?)?)$")


def split_street(street: str) -> tuple[str, str]:
    """ "Seestrasse 5a" -> ("Seestrasse", "5a"); a street without a trailing number stays whole."""
    match = _HOUSE_NUMBER.match(street.strip())
    if match is None:
        return street.strip(), ""
    return match["street"].strip(), match["num"].replace(" ", "")


def creditor_of(profile: SellerProfile) -> dict[str, str]:
    return {
        "name": profile.name,
        "street": profile.street,
        "house_num": profile.house_number,
        "pcode": profile.postal_code,
        "city": profile.city,
        "country": profile.country,
    }


def debtor_of(address: Address) -> dict[str, str] | None:
    """The buyer as a structured address, or None when the standard cannot carry it
    (the bill then has an empty "payable by" box the buyer fills in, which is allowed)."""
    street, number = split_street(address.street)
    name = address.name if not address.company else f"{address.company}, {address.name}"
    fields = {
        "name": name[:70],
        "street": street[:70],
        "house_num": number[:16],
        "pcode": address.postal_code[:16],
        "city": address.city[:35],
        "country": address.country,
    }
    if any(qr_bill_text_problem(v) for v in fields.values()):
        return None
    return fields


@dataclass(frozen=True)
class QrBillData:
    """What the bill says; `svg` is the 210 x 106 mm payment part and receipt."""

    iban: str
    reference: str
    amount: Decimal
    currency: str
    payload: str
    svg: str


def make_qr_bill(
    profile: SellerProfile,
    billing: Address,
    amount: Decimal,
    currency: str,
    invoice_number: str,
    language: str,
) -> QrBillData:
    """The QR-bill of one invoice, or QrBillError naming what the standard refuses."""
    if profile.iban is None:
        raise QrBillError(f"seller {profile.slug} has no IBAN for the QR-bill")
    if currency not in CURRENCIES:
        raise QrBillError(f"a QR-bill needs CHF or EUR, the order is in {currency}")
    if not MIN_AMOUNT <= amount <= MAX_AMOUNT:
        raise QrBillError(f"a QR-bill needs an amount of 0.01 to 999999999.99, not {amount}")
    problem = next(
        (p for v in creditor_of(profile).values() if (p := qr_bill_text_problem(v))), None
    )
    if problem:
        raise QrBillError(f"seller {profile.slug}: {problem}")
    reference = reference_for(profile.iban, invoice_number)
    try:
        bill = bill_class()(
            account=profile.iban,
            creditor=creditor_of(profile),
            debtor=debtor_of(billing),
            amount=f"{amount:.2f}",
            currency=currency,
            reference_number=reference,
            additional_information=invoice_number,
            language=language,
        )
        buffer = io.StringIO()
        bill.as_svg(buffer)
        payload = bill.qr_data()
    except ValueError as exc:
        raise QrBillError(f"QR-bill refused: {exc}") from exc
    return QrBillData(
        iban=profile.iban,
        reference=reference,
        amount=amount,
        currency=currency,
        payload=payload,
        svg=with_qr_image(buffer.getvalue(), bill.matrix),
    )
