"""Send an issued invoice by e-mail, with its PDF and its UBL attached (through ``pipeline.core.mail``)."""

from __future__ import annotations

import logging
import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy.orm import Session

from models import Client
from models.sales import SalesContact, SalesInvoice
from pipeline.core.config import Settings
from pipeline.core.errors import BoekbrugError
from pipeline.core.i18n import N_
from pipeline.core.mail import MailNotConfigured, send
from pipeline.sales.contacts import client_profile
from pipeline.sales.invoices import CREDIT_NOTE, artefacts
from pipeline.sales.pdf import euro

log = logging.getLogger(__name__)


class MailFailed(BoekbrugError):
    code = "mail_failed"
    hint = N_("Check the SMTP settings and the recipient's address, then send again.")


def compose(
    invoice: SalesInvoice, client: Client, contact: SalesContact, sender: str, recipient: str,
    base_name: str, pdf: bytes, xml: bytes,
) -> EmailMessage:
    credit = invoice.document_type == CREDIT_NOTE
    kind_nl, kind_fr = ("Creditnota", "Note de crédit") if credit else ("Factuur", "Facture")
    message = EmailMessage()
    message["Subject"] = f"{kind_nl} / {kind_fr} {invoice.number} – {client.name}"
    message["From"] = sender
    message["To"] = recipient
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    total = euro(invoice.total_incl_vat or 0, invoice.currency)  # type: ignore[arg-type]
    body = ["Beste, / Bonjour,", "",
            f"In bijlage vindt u {kind_nl.lower()} {invoice.number} van {total}.",
            f"Veuillez trouver ci-joint {kind_fr.lower()} {invoice.number} de {total}."]
    if not credit and invoice.payment_reference:
        body += ["", f"Vervaldag / Échéance: {invoice.due_date:%d/%m/%Y}",
                 f"Mededeling / Communication: {invoice.payment_reference}"]
    body += ["", "De UBL-bijlage (Peppol BIS 3) kan uw boekhoudpakket rechtstreeks inlezen.",
             "La pièce jointe UBL (Peppol BIS 3) se lit directement dans votre logiciel comptable.",
             "", client.name]
    message.set_content("\n".join(body))
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"{base_name}.pdf")
    message.add_attachment(xml, maintype="application", subtype="xml", filename=f"{base_name}.xml")
    return message


def send_invoice(
    session: Session,
    settings: Settings,
    invoice_id: int,
    *,
    to: str | None = None,
) -> str:
    """E-mail an issued invoice to its customer (or ``to``); records when and to whom. Returns the address."""
    if not settings.smtp_host:
        raise MailNotConfigured(N_("no SMTP server is configured"))
    base_name, pdf, xml = artefacts(session, settings, invoice_id)
    invoice = session.get(SalesInvoice, invoice_id)
    assert invoice is not None
    client = session.get(Client, invoice.client_id)
    contact = session.get(SalesContact, invoice.contact_id)
    assert client is not None and contact is not None
    recipient = (to or contact.email or "").strip()
    if not recipient:
        raise MailFailed(N_("customer {name} has no e-mail address"), params={"name": contact.name})
    profile = client_profile(session, client.id)
    sender = settings.smtp_from or (profile.email if profile else None)
    if not sender:
        raise MailNotConfigured(N_("no sender address: set SMTP_FROM or the client's e-mail"))
    message = compose(invoice, client, contact, sender, recipient, base_name, pdf, xml)
    try:
        send(settings, message)
    except (OSError, smtplib.SMTPException) as error:
        raise MailFailed(N_("sending {number} to {recipient} failed: {detail}"),
                         params={"number": invoice.number, "recipient": recipient, "detail": error}) from error
    invoice.sent_at = datetime.now(UTC)
    invoice.sent_to = recipient[:254]
    session.flush()
    log.info("sent %s to %s", invoice.number, recipient)
    return recipient
