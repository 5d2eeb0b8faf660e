"""What an operator can do about a rule failure: a field to fill, a type to change, or a supervisor.

The release job (``pipeline.jobs.release_job``) never sends a document back with only a
rule id: every fatal finding (and every build that stops for a missing value) becomes a
``Remedy`` — the fields to fill or correct on the validation screen (fields the screen
lacks are in the catalogue, ``pipeline.core.fields.REMEDY_FIELDS``), whether changing
the document type can end it, or, when nothing on the screen can, a supervisor's
decision. ``signature`` names the failure so the same failure coming back is recognised
(``pipeline.review.tasks`` routes it to a supervisor the second time).

What the operator reads (``Remedy.say``) is stored in English, made of templates
(``pipeline.core.check_words``: ``"{remedy} (rule {rule})"``, each remedy below a message of
the catalogue) joined by ``"; "``, and said in the operator's language where it is shown. A rule
without a remedy of its own is named with the official rule's own message, marked as technical
detail: that text is Peppol's, in English.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.core import check_words as words
from pipeline.core.i18n import N_
from pipeline.ubl.findings import Finding

EXEMPTION_FIELDS = ("vat_exemption_reason", "vat_exemption_code", "vat_breakdown")

# rule id → (fields to fill, what to tell the operator)
RULE_REMEDIES: dict[str, tuple[tuple[str, ...], str]] = {
    **{
        rule: (
            EXEMPTION_FIELDS,
            N_(
                "a 0 % VAT group is marked exempt without a reason: type the exemption reason printed on the "
                "document (or its VATEX code), or, if the 0 % is a zero rate, set the category to Z in the VAT breakdown"
            ),
        )
        for rule in ("BR-E-10", "BR-AE-10", "BR-IC-10", "BR-G-10", "BR-O-10")
    },
    **{
        rule: (
            ("vat_breakdown", "vat_exemption_reason", "vat_exemption_code"),
            N_("this VAT category takes no exemption reason: clear the reason, or correct the category in the VAT "
               "breakdown"),
        )
        for rule in ("BR-S-10", "BR-Z-10")
    },
    **{
        rule: (
            ("supplier_vat", "vat_breakdown", "vat_exemption_code"),
            N_(
                "VAT is charged, so the seller's VAT number is needed: type it as printed (or correct the VAT "
                "category, VATEX-EU-O when the purchase is outside Belgian VAT)"
            ),
        )
        for rule in ("BR-S-02", "BR-Z-02", "BR-E-02", "BR-G-02")
    },
    "BR-CO-26": (
        ("supplier_vat", "supplier_enterprise_number", "supplier_identifier"),
        N_(
            "the seller must be identified: type its VAT number, enterprise number, or the registration "
            "number printed on the document (supplier identifier)"
        ),
    ),
    **{
        rule: (
            ("supplier_vat", "customer_vat", "vat_breakdown"),
            N_("a reverse-charge or intra-community supply needs both VAT numbers: type them as printed"),
        )
        for rule in (
            "BR-AE-02",
            "BR-AE-03",
            "BR-AE-04",
            "BR-IC-02",
            "BR-IC-03",
            "BR-IC-04",
        )
    },
    "PEPPOL-EN16931-R020": (
        ("supplier_electronic_address", "supplier_vat", "supplier_enterprise_number"),
        N_("the seller's electronic address is missing: type its Peppol address, VAT or enterprise number"),
    ),
    "PEPPOL-EN16931-R010": (
        ("customer_electronic_address", "customer_vat", "customer_enterprise_number"),
        N_("the buyer's electronic address is missing: type its Peppol address, VAT or enterprise number"),
    ),
    "PEPPOL-EN16931-R003": (
        ("buyer_reference", "order_reference"),
        N_("a buyer reference or order reference is needed: type the one printed"),
    ),
    "BR-CO-15": (
        ("total_excl_vat", "total_vat", "total_incl_vat"),
        N_("total excl. VAT + VAT is not the total incl. VAT: check the three totals as printed"),
    ),
    "BR-CO-14": (
        ("total_vat", "vat_breakdown"),
        N_("the VAT total is not the sum of the VAT per rate: check the VAT breakdown and the VAT total"),
    ),
    "BR-CO-13": (
        ("total_excl_vat", "vat_breakdown", "lines"),
        N_("the total excl. VAT is not the sum of the lines: check the total excl. VAT and the VAT breakdown"),
    ),
}


@dataclass(frozen=True)
class Remedy:
    fields: tuple[str, ...]  # to fill or correct on the validation screen
    supervisor: (
        bool  # nothing on the screen can end it: a supervisor decides, with a reason
    )
    say: str  # for the operator, in words
    signature: str  # the failure, stable across rebuilds: "BR-E-10+BR-S-02", "incomplete:vat_breakdown"
    document_type: bool = False  # changing the document type can end it
    primary: tuple[
        str, ...
    ] = ()  # the fields the rule names: marked as failing, to be confirmed or corrected


SAY_LIMIT = 500  # the check line beside a field holds this much (pipeline.jobs.release_job)


def _words(finding: Finding) -> str:
    """A rule with no remedy of its own: the official message, as technical detail (it is Peppol's English)."""
    text = finding.message
    if text.startswith(
        "["
    ):  # "[BR-CO-16]-Amount due …": the id goes to the end, in brackets
        text = text.split("]", 1)[-1].lstrip("- ")
    detail = " ".join(text.replace("; ", ", ").replace(" — ", ", ").split())  # one part of the joined words
    return words.REMEDY_OFFICIAL.format(rule=finding.rule_id, detail=detail)


def _joined(sentences: list[str], first: str | None = None) -> str:
    """Whole sentences joined by "; ", as many as fit the check line (at least one): a sentence cut in
    the middle could no longer be said in the operator's language."""
    kept: list[str] = [first] if first else []
    for sentence in sentences[:5]:
        if kept and len("; ".join([*kept, sentence])) > SAY_LIMIT:
            break
        kept.append(sentence)
    return "; ".join(kept)


def for_findings(fatal: Iterable[Finding]) -> Remedy:
    """The remedy for a failed validation: the union of each fatal finding's."""
    fields: list[str] = []
    primary: list[str] = []
    said: list[str] = []
    nothing_to_fill: list[str] = []
    ids: list[str] = []
    for finding in fatal:
        ids.append(finding.rule_id)
        known = RULE_REMEDIES.get(finding.rule_id)
        names, remedy = known or (finding.fields, "")
        primary.extend(n for n in (names[:1] if known else names) if n not in primary)
        if not names:
            nothing_to_fill.append(finding.rule_id)
        sentence = words.REMEDY_RULE.format(remedy=remedy, rule=finding.rule_id) if known else _words(finding)
        if sentence not in said:
            said.append(sentence)
        fields.extend(n for n in names if n not in fields)
    signature = "+".join(sorted(set(ids)))
    supervisor = bool(nothing_to_fill) and not fields
    say = _joined(said, words.REMEDY_SUPERVISOR if supervisor else None)
    return Remedy(tuple(fields), supervisor, say, signature, primary=tuple(primary))


def for_incomplete(message: str, fields: tuple[str, ...]) -> Remedy:
    """The remedy for a build that stopped for missing values (``IncompleteInvoice``)."""
    document_type = "document_type" in fields
    return Remedy(
        tuple(fields),
        not fields,
        message,
        "incomplete:" + ",".join(sorted(fields)),
        document_type=document_type,
    )


def for_build_error(message: str) -> Remedy:
    """A value the builder cannot write (a bug or an impossible value): a supervisor looks."""
    return Remedy(
        (),
        True,
        words.REMEDY_BUILD_ERROR.format(detail=" ".join(message.replace("; ", ", ").split())),
        "build_error",
    )
