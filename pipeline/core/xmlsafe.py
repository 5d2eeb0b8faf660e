"""Parse XML that comes from outside: no DTD, no entities, no network, no huge trees."""

from __future__ import annotations

from lxml import etree

from pipeline.core.errors import CorruptFile, EmptyFile, HostileXml

NS = {
    "inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cn": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
INVOICE_ROOT = f"{{{NS['inv']}}}Invoice"
CREDITNOTE_ROOT = f"{{{NS['cn']}}}CreditNote"


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_blank_text=False,
    )


def parse_untrusted(xml_bytes: bytes) -> etree._ElementTree:
    """The parsed document; ``HostileXml`` for a DOCTYPE or entity, ``CorruptFile`` if not XML."""
    if not xml_bytes or not xml_bytes.strip():
        raise EmptyFile("the XML document is empty")
    if b"<!DOCTYPE" in xml_bytes or b"<!ENTITY" in xml_bytes:
        raise HostileXml("the XML declares a DOCTYPE or entities")
    try:
        root = etree.fromstring(xml_bytes, _parser())
    except etree.XMLSyntaxError as exc:
        if "entity" in str(exc).lower():
            raise HostileXml(f"the XML refers to an entity: {exc}") from exc
        raise CorruptFile(f"not well-formed XML: {exc}") from exc
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise HostileXml("the XML declares a DOCTYPE")
    return tree
