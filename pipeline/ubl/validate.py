"""Validate a UBL 2.1 Invoice / CreditNote against the official Peppol BIS 3 rule stack.

Layers, in order: ``xsd`` (UBL 2.1 schema with lxml), ``cen`` (EN 16931 XSLT) and
``peppol`` (Peppol BIS Billing XSLT), both run with Saxon (``saxonche``; XSLT 2.0),
then ``own``: Belgian checks no official rule makes (see ``pipeline.ubl.belgian``).
All layers run even when an earlier one fails, so an operator sees every problem.

Under the EN 16931 profile (a party without an electronic address, see
``pipeline.ubl.derive.choose_profile``) the Peppol rules that only concern network
routing and Peppol's national rules (``pipeline.ubl.rules.peppol_only``) are reported as
warnings; XSD, EN 16931 and every other rule still block.

Each XSLT is compiled once per process (~0.6 s for both) and cached; the Saxon
processor and the compiled executables are shared behind a lock, so one process may
validate from several threads (one at a time per executable).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from lxml import etree

from models.enums import UblProfile
from pipeline.core.xmlsafe import CREDITNOTE_ROOT, INVOICE_ROOT, NS, parse_untrusted
from pipeline.ubl import belgian
from pipeline.ubl.findings import Finding, ValidationReport, fields_for, party_of
from pipeline.ubl.rules import RuleSet, active_ruleset, peppol_only

log = logging.getLogger(__name__)

SVRL = "{http://purl.oclc.org/dsdl/svrl}"
ALL_LAYERS = ("xsd", "cen", "peppol", "own")
SCHEMATRON_LAYERS = ("cen", "peppol")


class _Engines:
    """Process-wide cache of the Saxon processor, compiled XSLTs and loaded XSDs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._processor = None
        self._xslt: dict[Path, tuple[object, threading.Lock]] = {}
        self._xsd: dict[Path, tuple[etree.XMLSchema, threading.Lock]] = {}

    def processor(self):
        with self._lock:
            if self._processor is None:
                from saxonche import PySaxonProcessor

                self._processor = PySaxonProcessor(license=False)
            return self._processor

    def xslt(self, path: Path) -> tuple[object, threading.Lock]:
        proc = self.processor()
        with self._lock:
            found = self._xslt.get(path)
            if found is None:
                started = time.perf_counter()
                compiler = proc.new_xslt30_processor()
                executable = compiler.compile_stylesheet(stylesheet_file=str(path))
                if executable is None:
                    raise RuntimeError(f"could not compile {path}")
                found = (executable, threading.Lock())
                self._xslt[path] = found
                log.info("compiled %s in %.2f s", path.name, time.perf_counter() - started)
            return found

    def xsd(self, path: Path) -> tuple[etree.XMLSchema, threading.Lock]:
        with self._lock:
            found = self._xsd.get(path)
            if found is None:
                started = time.perf_counter()
                found = (etree.XMLSchema(etree.parse(str(path))), threading.Lock())
                self._xsd[path] = found
                log.info("loaded %s in %.2f s", path.name, time.perf_counter() - started)
            return found


_ENGINES = _Engines()


# the least a UBL invoice needs to be read: enough for a first run of every layer (it fails them)
_WARM_UP_INVOICE = (
    b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
    b'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
    b"<cbc:ID>warm-up</cbc:ID><cbc:IssueDate>2026-01-01</cbc:IssueDate></Invoice>"
)


def warm_up(ruleset: RuleSet | None = None) -> float:
    """Load the XSDs, compile both XSLTs and run every layer once now; the seconds it took.

    The first run of a compiled XSLT is itself slow (~0.3 s, against ~0.05 s after): a
    process that releases inline (the workbench without workers) ran it on the first
    operator's save. Every layer is run once over a bare invoice, whose findings are dropped.
    """
    rs = ruleset or active_ruleset()
    started = time.perf_counter()
    for path in (rs.invoice_xsd, rs.creditnote_xsd):
        _ENGINES.xsd(path)
    for path in (rs.cen_xslt, rs.peppol_xslt):
        _ENGINES.xslt(path)
    validate(_WARM_UP_INVOICE, ruleset=rs)
    return time.perf_counter() - started


def validate(
    xml_bytes: bytes,
    *,
    ruleset: RuleSet | None = None,
    layers: Iterable[str] = ALL_LAYERS,
    profile: UblProfile = UblProfile.PEPPOL_BIS3,
) -> ValidationReport:
    """Validate one document. Raises ``HostileXml`` / ``CorruptFile`` / ``EmptyFile``."""
    rs = ruleset or active_ruleset()
    wanted = tuple(layers)
    tree = parse_untrusted(xml_bytes)
    root = tree.getroot()
    root_name = etree.QName(root).localname
    findings: list[Finding] = []
    if "xsd" in wanted:
        findings.extend(_xsd_findings(tree, rs))
    schematron = [layer for layer in SCHEMATRON_LAYERS if layer in wanted]
    if schematron:
        proc = _ENGINES.processor()
        node = proc.parse_xml(xml_text=etree.tostring(root, encoding="unicode"))
        for layer in schematron:
            path = rs.cen_xslt if layer == "cen" else rs.peppol_xslt
            executable, lock = _ENGINES.xslt(path)
            with lock:
                svrl = executable.transform_to_string(xdm_node=node)
            findings.extend(parse_svrl(svrl, layer))
    if "own" in wanted:
        findings.extend(own_findings(root))
    if profile is UblProfile.EN16931:
        findings = [routing_only(f) if peppol_only(f.rule_id) and f.fatal else f for f in findings]
    return ValidationReport(ruleset=rs.id, root=root_name, findings=tuple(findings), layers=wanted)


def routing_only(finding: Finding) -> Finding:
    """A Peppol network rule under the EN 16931 profile: reported, not blocking."""
    return replace(finding, flag="warning",
                   message=f"{finding.message} (Peppol exchange only: not needed for EN 16931 import)")


def _xsd_findings(tree: etree._ElementTree, rs: RuleSet) -> list[Finding]:
    tag = tree.getroot().tag
    if tag == INVOICE_ROOT:
        path = rs.invoice_xsd
    elif tag == CREDITNOTE_ROOT:
        path = rs.creditnote_xsd
    else:
        msg = f"root element {tag} is not a UBL 2.1 Invoice or CreditNote"
        return [Finding("xsd", "XSD", "fatal", msg)]
    schema, lock = _ENGINES.xsd(path)
    with lock:
        schema.validate(tree)
        errors = list(schema.error_log)
    return [
        Finding("xsd", "XSD", "fatal", e.message, f"{e.path or ''} (line {e.line})") for e in errors
    ]


def parse_svrl(svrl: str | bytes, layer: str) -> list[Finding]:
    """Findings from SVRL: every failed-assert and successful-report with its id and flag."""
    data = svrl.encode("utf-8") if isinstance(svrl, str) else svrl
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    found: list[Finding] = []
    for el in root.iter(f"{SVRL}failed-assert", f"{SVRL}successful-report"):
        rule_id = el.get("id") or "?"
        flag = el.get("flag") or "fatal"
        text = el.find(f"{SVRL}text")
        message = " ".join((text.text or "").split()) if text is not None else ""
        location = el.get("location") or ""
        found.append(Finding(layer, rule_id, flag, message, location, fields_for(rule_id, message, location)))
    return found


# --------------------------------------------------------------------- own checks
def _own(rule_id: str, flag: str, message: str, location: str) -> Finding:
    return Finding("own", rule_id, flag, message, location, fields_for(rule_id, message, location))


def own_findings(root: etree._Element) -> list[Finding]:
    """Belgian checks: structured communication, KBO check digits, KBO vs BE VAT."""
    found: list[Finding] = []
    tree = root.getroottree()
    for pid in root.iterfind("cac:PaymentMeans/cbc:PaymentID", NS):
        text = (pid.text or "").strip()
        if belgian.looks_like_ogm(text) and not belgian.ogm_valid(text):
            found.append(_own("BOEKBRUG-BE-OGM", "fatal",
                              f"structured communication {text} has wrong check digits (mod 97)",
                              tree.getpath(pid)))
    for party in root.iterfind("cac:AccountingSupplierParty/cac:Party", NS), root.iterfind(
        "cac:AccountingCustomerParty/cac:Party", NS
    ):
        for p in party:
            found.extend(_party_findings(p, tree))
    return found


def _party_findings(party: etree._Element, tree: etree._ElementTree) -> list[Finding]:
    found: list[Finding] = []
    where = tree.getpath(party)
    who = party_of(where) or "party"
    kbos: set[str] = set()
    for ident in party.iterfind(".//cbc:*[@schemeID='0208']", NS):
        value = (ident.text or "").strip()
        kbos.add(value)
        if not belgian.kbo_valid(value):
            found.append(_own("BOEKBRUG-BE-KBO", "fatal",
                              f"{who} enterprise number {value!r} is not 10 digits with valid mod-97 check digits",
                              tree.getpath(ident)))
    be_vats = [
        (el.text or "").strip()
        for el in party.iterfind("cac:PartyTaxScheme/cbc:CompanyID", NS)
        if (el.text or "").strip().upper().startswith("BE")
    ]
    for vat in be_vats:
        if not belgian.be_vat_valid(vat):
            found.append(_own("BOEKBRUG-BE-VAT", "fatal",
                              f"{who} Belgian VAT number {vat!r} is not BE + 10 digits with valid check digits",
                              where))
        inner = belgian.kbo_from_vat(vat)
        for kbo in kbos:
            if inner and kbo != inner:
                found.append(_own("BOEKBRUG-BE-KBO-VAT", "warning",
                                  f"{who} enterprise number {kbo} differs from the number in VAT {vat}"
                                  " (allowed for a VAT unit, else a typing error)",
                                  where))
    return found
