"""Printed forms: labels per language, amounts and dates in Belgian styles."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

MONTHS = {
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}

LABELS: dict[str, dict[str, str]] = {
    "nl": {
        "invoice": "FACTUUR", "credit_note": "CREDITNOTA", "number": "Factuurnummer",
        "cn_number": "Creditnotanummer", "date": "Factuurdatum", "cn_date": "Datum",
        "due": "Vervaldatum", "customer": "Klant", "supplier": "Leverancier",
        "customer_no": "Klantnummer", "your_ref": "Uw referentie", "vat": "Btw-nr.",
        "kbo": "Ondernemingsnr.", "rpr": "RPR", "description": "Omschrijving", "qty": "Aantal",
        "unit_price": "Eenheidsprijs", "discount": "Korting", "vat_rate": "Btw %",
        "amount": "Bedrag", "net": "Totaal excl. btw", "total_vat": "Totaal btw",
        "total": "Totaal incl. btw", "to_pay": "Te betalen", "base": "Basis", "vat_amt": "Btw",
        "rate": "Tarief", "vat_summary": "Btw-overzicht", "pay_to": "Gelieve te betalen op",
        "ogm": "Gestructureerde mededeling", "reference": "Mededeling", "terms": "Betalingsvoorwaarden",
        "page": "Pagina", "of": "van", "continued": "Vervolg op volgende pagina",
        "subtotal": "Subtotaal", "cn_ref": "Creditnota bij factuur", "of_date": "van",
        "thanks": "Bedankt voor uw vertrouwen!", "tel": "Tel.", "bank": "Bank",
        "reverse": "Btw verlegd / Autoliquidation, art. 51 §2 WBTW",
        "intra": "Intracommunautaire levering vrijgesteld van btw, art. 39bis WBTW",
        "intra_in": "Btw verlegd naar de afnemer (art. 196 Richtlijn 2006/112/EG)",
        "terms_days": "{n} dagen na factuurdatum", "terms_eom": "{n} dagen einde maand",
        "terms_cash": "Contant bij ontvangst",
    },
    "fr": {
        "invoice": "FACTURE", "credit_note": "NOTE DE CRÉDIT", "number": "Numéro de facture",
        "cn_number": "Numéro de note de crédit", "date": "Date de facture", "cn_date": "Date",
        "due": "Date d'échéance", "customer": "Client", "supplier": "Fournisseur",
        "customer_no": "N° client", "your_ref": "Votre référence", "vat": "N° TVA",
        "kbo": "N° d'entreprise", "rpr": "RPM", "description": "Description", "qty": "Qté",
        "unit_price": "Prix unitaire", "discount": "Remise", "vat_rate": "TVA %",
        "amount": "Montant", "net": "Total HTVA", "total_vat": "Total TVA",
        "total": "Total TVAC", "to_pay": "À payer", "base": "Base", "vat_amt": "TVA",
        "rate": "Taux", "vat_summary": "Récapitulatif TVA", "pay_to": "Merci de payer sur le compte",
        "ogm": "Communication structurée", "reference": "Communication", "terms": "Conditions de paiement",
        "page": "Page", "of": "sur", "continued": "Suite à la page suivante",
        "subtotal": "Sous-total", "cn_ref": "Note de crédit relative à la facture", "of_date": "du",
        "thanks": "Merci pour votre confiance !", "tel": "Tél.", "bank": "Banque",
        "reverse": "Btw verlegd / Autoliquidation, art. 51 §2 WBTW",
        "intra": "Livraison intracommunautaire exonérée, art. 39bis CTVA",
        "intra_in": "Autoliquidation par le preneur (art. 196 Directive 2006/112/CE)",
        "terms_days": "{n} jours date de facture", "terms_eom": "{n} jours fin de mois",
        "terms_cash": "Comptant à réception",
    },
    "en": {
        "invoice": "INVOICE", "credit_note": "CREDIT NOTE", "number": "Invoice number",
        "cn_number": "Credit note number", "date": "Invoice date", "cn_date": "Date",
        "due": "Due date", "customer": "Bill to", "supplier": "Supplier",
        "customer_no": "Customer no.", "your_ref": "Your reference", "vat": "VAT no.",
        "kbo": "Company no.", "rpr": "Register", "description": "Description", "qty": "Qty",
        "unit_price": "Unit price", "discount": "Discount", "vat_rate": "VAT %",
        "amount": "Amount", "net": "Total excl. VAT", "total_vat": "Total VAT",
        "total": "Total incl. VAT", "to_pay": "Amount due", "base": "Taxable amount",
        "vat_amt": "VAT", "rate": "Rate", "vat_summary": "VAT summary", "pay_to": "Please pay to",
        "ogm": "Structured reference", "reference": "Payment reference", "terms": "Payment terms",
        "page": "Page", "of": "of", "continued": "Continued on next page",
        "subtotal": "Subtotal", "cn_ref": "Credit note for invoice", "of_date": "of",
        "thanks": "Thank you for your business!", "tel": "Phone", "bank": "Bank",
        "reverse": "Btw verlegd / Autoliquidation, art. 51 §2 WBTW",
        "intra": "Intra-Community supply exempt from VAT, art. 39bis Belgian VAT Code",
        "intra_in": "VAT reverse charge (art. 196 Directive 2006/112/EC)",
        "terms_days": "{n} days from invoice date", "terms_eom": "{n} days end of month",
        "terms_cash": "Payable on receipt",
    },
}

# amount styles: (thousands separator, decimal separator)
MONEY_STYLES: dict[str, tuple[str, str]] = {
    "be": (".", ","),  # 1.234,56
    "be_space": (" ", ","),  # 1 234,56
    "plain": ("", ","),  # 1234,56
    "en": (",", "."),  # 1,234.56
}
# where the currency goes: "suffix" 1.234,56 €, "prefix" € 1.234,56, "code" EUR 1.234,56, "none"
CURRENCY_STYLES = ("suffix", "prefix", "code", "none")

DATE_STYLES = ("slash", "dash", "dot", "long", "iso")


def number(value: Decimal, style: str, places: int = 2) -> str:
    """``1234.5`` → ``1.234,50`` (style ``be``); negative values keep a leading minus."""
    thousands, decimal_sep = MONEY_STYLES[style]
    quantum = Decimal(1).scaleb(-places)
    text = f"{abs(value.quantize(quantum)):f}"
    whole, _, frac = text.partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    out = thousands.join(groups) + (decimal_sep + frac if places else "")
    return ("-" if value < 0 else "") + out


def money(value: Decimal, style: str, currency_style: str) -> str:
    text = number(value, style)
    if currency_style == "suffix":
        return f"{text} €"
    if currency_style == "prefix":
        return f"€ {text}"
    if currency_style == "code":
        return f"EUR {text}"
    return text


def quantity(value: Decimal, style: str) -> str:
    if value == value.to_integral_value():
        return str(int(value))
    return number(value, style, places=len(str(value.normalize()).partition(".")[2]))


def rate(value: Decimal, style: str) -> str:
    if value == value.to_integral_value():
        return f"{int(value)}%"
    return number(value, style, places=1) + "%"


def date_text(value: date, style: str, language: str) -> str:
    if style == "slash":
        return value.strftime("%d/%m/%Y")
    if style == "dash":
        return value.strftime("%d-%m-%Y")
    if style == "dot":
        return value.strftime("%d.%m.%Y")
    if style == "iso":
        return value.isoformat()
    month = MONTHS[language][value.month - 1]
    day = "1er" if language == "fr" and value.day == 1 else str(value.day)
    return f"{day} {month} {value.year}"
