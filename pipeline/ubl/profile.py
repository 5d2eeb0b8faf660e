"""Which UBL a document gets: Peppol BIS 3 where it can, else EN 16931 UBL for import.

``build_for_best_profile`` builds the Peppol BIS 3 invoice when both parties have an
electronic address (``pipeline.ubl.derive.choose_profile``). When the only rules it
breaks bind a Peppol exchange alone — the network routing rules, or the national rules
of the seller's country (``pipeline.ubl.rules.peppol_only``) — it builds the EN 16931
UBL instead: the same invoice for import into an accounting package, XSD and EN 16931
rules still passing, those Peppol findings reported as warnings.
"""

from __future__ import annotations

from models.enums import UblProfile
from pipeline.core.records import InvoiceData
from pipeline.ubl.build import Original, build_ubl
from pipeline.ubl.derive import choose_profile
from pipeline.ubl.findings import ValidationReport
from pipeline.ubl.rules import peppol_only
from pipeline.ubl.validate import validate


def build_for_best_profile(invoice: InvoiceData, original: Original | None = None,
                           ) -> tuple[bytes, ValidationReport, UblProfile]:
    """(UBL, its validation report, the profile it was built and judged for)."""
    profile = choose_profile(invoice)
    xml = build_ubl(invoice, original, profile=profile)
    report = validate(xml, profile=profile)
    if profile is UblProfile.PEPPOL_BIS3 and not report.ok and all(peppol_only(f.rule_id) for f in report.fatal):
        profile = UblProfile.EN16931
        xml = build_ubl(invoice, original, profile=profile)
        report = validate(xml, profile=profile)
    return xml, report, profile
