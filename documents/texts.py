"""Every fixed text of the documents, in German, French, Italian and English."""

from __future__ import annotations

from typing import Final

TEXTS: Final[dict[str, dict[str, str]]] = {
    "invoice": {"de": "Rechnung", "fr": "Facture", "it": "Fattura", "en": "Invoice"},
    "delivery_note": {
        "de": "Lieferschein",
        "fr": "Bulletin de livraison",
        "it": "Bolla di consegna",
        "en": "Delivery note",
    },
    "invoice_number": {
        "de": "Rechnungsnummer",
        "fr": "N° de facture",
        "it": "N. fattura",
        "en": "Invoice number",
    },
    "delivery_note_number": {
        "de": "Lieferschein-Nr.",
        "fr": "N° de bulletin",
        "it": "N. bolla",
        "en": "Delivery note number",
    },
    "invoice_date": {
        "de": "Rechnungsdatum",
        "fr": "Date de facture",
        "it": "Data fattura",
        "en": "Invoice date",
    },
    "delivery_date": {
        "de": "Lieferdatum",
        "fr": "Date de livraison",
        "it": "Data di consegna",
        "en": "Delivery date",
    },
    "order_number": {
        "de": "Bestellnummer",
        "fr": "N° de commande",
        "it": "N. ordine",
        "en": "Order number",
    },
    "order_date": {
        "de": "Bestelldatum",
        "fr": "Date de commande",
        "it": "Data ordine",
        "en": "Order date",
    },
    "vat_number": {"de": "MWST-Nr.", "fr": "N° TVA", "it": "N. IVA", "en": "VAT no."},
    "bill_to": {
        "de": "Rechnungsadresse",
        "fr": "Adresse de facturation",
        "it": "Indirizzo di fatturazione",
        "en": "Billing address",
    },
    "ship_to": {
        "de": "Lieferadresse",
        "fr": "Adresse de livraison",
        "it": "Indirizzo di consegna",
        "en": "Delivery address",
    },
    "sku": {"de": "Art.-Nr.", "fr": "Réf.", "it": "Cod.", "en": "SKU"},
    "item": {"de": "Artikel", "fr": "Article", "it": "Articolo", "en": "Item"},
    "quantity": {"de": "Menge", "fr": "Quantité", "it": "Quantità", "en": "Qty"},
    "unit_price": {
        "de": "Einzelpreis",
        "fr": "Prix unitaire",
        "it": "Prezzo unitario",
        "en": "Unit price",
    },
    "vat_rate": {"de": "MWST", "fr": "TVA", "it": "IVA", "en": "VAT"},
    "amount": {"de": "Betrag", "fr": "Montant", "it": "Importo", "en": "Amount"},
    "shipping": {"de": "Versand", "fr": "Frais d'envoi", "it": "Spedizione", "en": "Shipping"},
    "total": {"de": "Total", "fr": "Total", "it": "Totale", "en": "Total"},
    # "davon MWST 8.1 % auf CHF 27.00: CHF 2.02"
    "vat_included": {
        "de": "davon MWST {rate} % auf {currency} {gross}: {currency} {vat}",
        "fr": "dont TVA {rate} % sur {currency} {gross} : {currency} {vat}",
        "it": "di cui IVA {rate} % su {currency} {gross}: {currency} {vat}",
        "en": "incl. VAT {rate} % on {currency} {gross}: {currency} {vat}",
    },
    "prices_incl_vat": {
        "de": "Alle Preise inkl. MWST.",
        "fr": "Tous les prix TVA incluse.",
        "it": "Tutti i prezzi IVA inclusa.",
        "en": "All prices include VAT.",
    },
    "payment_terms": {
        "de": "Zahlbar innert {days} Tagen, bis {due}.",
        "fr": "Payable dans les {days} jours, d'ici au {due}.",
        "it": "Pagabile entro {days} giorni, entro il {due}.",
        "en": "Payable within {days} days, by {due}.",
    },
    "payment_terms_now": {
        "de": "Zahlbar sofort, bis {due}.",
        "fr": "Payable immédiatement, d'ici au {due}.",
        "it": "Pagabile subito, entro il {due}.",
        "en": "Payable immediately, by {due}.",
    },
    "due_date": {"de": "Fällig am", "fr": "Échéance", "it": "Scadenza", "en": "Due date"},
    "paid": {"de": "BEZAHLT", "fr": "PAYÉ", "it": "PAGATO", "en": "PAID"},
    "unpaid": {"de": "OFFEN", "fr": "À PAYER", "it": "DA PAGARE", "en": "UNPAID"},
    "paid_note": {
        "de": "Dieser Betrag wurde bereits bezahlt. Vielen Dank.",
        "fr": "Ce montant a déjà été payé. Merci.",
        "it": "Questo importo è già stato pagato. Grazie.",
        "en": "This amount has been paid. Thank you.",
    },
    "unpaid_note": {
        "de": "Bitte bezahlen Sie mit dem QR-Zahlteil unten.",
        "fr": "Veuillez payer avec la section paiement QR ci-dessous.",
        "it": "Si prega di pagare con la sezione di pagamento QR qui sotto.",
        "en": "Please pay with the QR payment part below.",
    },
    "unpaid_note_no_qr": {
        "de": "Bitte überweisen Sie den Betrag bis zum Fälligkeitsdatum.",
        "fr": "Veuillez virer le montant d'ici à l'échéance.",
        "it": "Si prega di versare l'importo entro la scadenza.",
        "en": "Please transfer the amount by the due date.",
    },
    "tracking": {
        "de": "Sendungsnummer",
        "fr": "N° de suivi",
        "it": "N. di tracciamento",
        "en": "Tracking number",
    },
    "page": {"de": "Seite", "fr": "Page", "it": "Pagina", "en": "Page"},
    "of": {"de": "von", "fr": "sur", "it": "di", "en": "of"},
    "thank_you_default": {
        "de": "Vielen Dank für Ihre Bestellung {order_number}.",
        "fr": "Merci pour votre commande {order_number}.",
        "it": "Grazie per il suo ordine {order_number}.",
        "en": "Thank you for your order {order_number}.",
    },
    "after_sales_default": {
        "de": "Fragen zu Ihrer Bestellung? Antworten Sie einfach auf unsere E-Mail.",
        "fr": "Une question sur votre commande ? Répondez simplement à notre e-mail.",
        "it": "Domande sul suo ordine? Risponda semplicemente alla nostra e-mail.",
        "en": "Questions about your order? Simply reply to our email.",
    },
    "disclaimer_default": {
        "de": "Es gelten unsere Allgemeinen Geschäftsbedingungen.",
        "fr": "Nos conditions générales de vente s'appliquent.",
        "it": "Si applicano le nostre condizioni generali.",
        "en": "Our general terms and conditions apply.",
    },
    "no_prices": {
        "de": "Dieser Lieferschein enthält keine Preise; die Rechnung folgt separat.",
        "fr": "Ce bulletin ne contient pas de prix ; la facture suit séparément.",
        "it": "Questa bolla non contiene prezzi; la fattura segue separatamente.",
        "en": "This delivery note shows no prices; the invoice comes separately.",
    },
    "customer": {"de": "Kunde", "fr": "Client", "it": "Cliente", "en": "Customer"},
}


def text(key: str, language: str) -> str:
    """The fixed text `key` in `language` (English when a language is missing)."""
    entry = TEXTS[key]
    return entry.get(language, entry["en"])
