"""``extract(read) -> Extraction``: every field with value, confidence, page, box and checks."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from decimal import Decimal

from models.enums import DocumentType, FieldSource
from pipeline.core import checks
from pipeline.core.identifiers import alnum_upper
from pipeline.core.records import (
    Check,
    ExtractedField,
    Extraction,
    PageText,
    ReadResult,
    doubted,
)
from pipeline.extract import basics, issuedate, parties, table, totals, widen
from pipeline.extract.amounts import guess_decimal_mark
from pipeline.extract.dates import find_dates
from pipeline.extract.doctype import document_type, page_ranges
from pipeline.extract.features import DocContext
from pipeline.extract.identifiers import find_hits
from pipeline.extract.layout import Layout, build_layout, union
from pipeline.extract.ranker import Observer, Ranker, active_model
from pipeline.extract.receipt import receipt_lines
from pipeline.extract.regions import all_labels
from pipeline.extract.scoring import STRONG_CHECKS, Cand, proven_by_sums, to_field

log = logging.getLogger(__name__)


def extract(
    read: ReadResult, known_parties: Iterable[str] = (), observe: Observer | None = None
) -> Extraction:
    """Fields of the first invoice in ``read``; several invoices → ``invoice_page_ranges``.

    ``known_parties``: VAT numbers of our own client(s); a number in it is the customer.
    ``observe``: called with every ranked field's candidates and their features (training).
    """
    layout = build_layout(read)
    labels = all_labels(layout)
    per_page = {}
    for page in layout.pages:
        found = basics.invoice_numbers(
            [
                lab
                for lab in labels
                if lab.row.page == page.number and lab.row.top < 0.45
            ],
            layout,
        )
        if found:
            per_page[page.number] = found[0]
    ranges = page_ranges(layout, per_page)
    warnings: list[str] = []
    if ranges:
        first_pages = set(range(ranges[0][0], ranges[0][1] + 1))
        warnings.append(
            f"{len(ranges)} invoices in one file; fields are those of pages {ranges[0][0]}-{ranges[0][1]}"
        )
        sub = ReadResult(
            tuple(p for p in read.pages if p.number in first_pages),
            read.embedded_xml,
            read.warnings,
        )
        layout = build_layout(sub)
        labels = all_labels(layout)
    ext = _extract_layout(layout, labels, known_parties, observe)
    return Extraction(ext[0], ext[1], tuple(warnings), ranges)


def _settle_vats(fields, layout, hits, sv, cv, cust_region, labels) -> None:
    """Both VAT numbers are pinned when each has valid check digits and the sides are
    settled: the only VAT number printed, or one inside a labelled customer block and a
    different one outside it. Then the side and the value agree, and the confidence may
    pass 0.95."""
    if sv is None or not any(c.name == "vat_check_digits" and c.ok for c in sv.checks):
        return
    values = {h.value for h in hits if h.kind == "vat"}
    labelled = any(lab.hit.field == "customer_block" for lab in labels) and bool(
        cust_region
    )
    cust_ok = cv is not None and any(
        c.name == "vat_check_digits" and c.ok for c in cv.checks
    )
    if values == {sv.value} and not cust_region:
        pinned = [sv]
    elif labelled and cust_ok and values == {sv.value, cv.value} and cv.score >= 0.7:
        pinned = [sv, cv]
    else:
        return
    for cand in pinned:
        side = Check(
            "vat_side_settled",
            True,
            f"{cand.value} is the {cand.field.split('_')[0]}'s: the sides of the document are settled",
        )
        fields[cand.field] = to_field(
            Cand(
                cand.field,
                cand.value,
                max(cand.score, 0.9),
                cand.toks,
                cand.raw,
                list(cand.checks) + [side],
            ),
            layout,
            0.93,
        )


def _one_date_read_twice(fields: dict[str, ExtractedField], layout: Layout, mdy: bool = False) -> None:
    """The issue and due dates read from the same printed date: one of them is another
    date OCR could not read ("ler janvier" for "1er janvier"), or none is printed. An issue
    date a proving check vouches for (its label, the title) stands and the due date taken
    from it is dropped; a due date its label proves stands and the issue date is doubted;
    otherwise both are doubted."""
    issued, due = fields.get("issue_date"), fields.get("due_date")
    if issued is None or due is None or issued.bbox is None or issued.page != due.page or issued.bbox != due.bbox:
        return
    printed = sum(d.value == issued.value for row in layout.rows() for d in find_dates(row.text, prefer_month_first=mdy))
    if printed > 1:
        return  # printed twice (cash terms: due on the issue date), each field may have its own
    check = Check("dates_apart", False, checks.SAME_DATE_TWICE.format(date=issued.value))
    proven = {name: any(c.ok and c.name in STRONG_CHECKS for c in found.checks)
              for name, found in (("issue_date", issued), ("due_date", due))}
    if proven["issue_date"] and not proven["due_date"]:
        del fields["due_date"]  # the issue date's own: no due date is printed apart from it
        return
    for name, found in (("issue_date", issued), ("due_date", due)):
        if proven[name] and not all(proven.values()):
            continue  # its label proves it: the other took its date
        fields[name] = doubted(found, check)


# below this calibrated probability the model all but rules a value out
RULED_OUT = 0.02
# … unless a label rule's own evidence for it is at least this (hand-set score 0..1): on a
# layout the model never learnt from (German "Name:" under "Verkäufer", "Invoice 103767"
# as the title) every candidate scores 0.000, the rule's did not. Its confidence stays the
# model's (near 0): the operator is asked, with the value filled in. Label words taken for
# a name score below it. 0.5 and 0.7 were tried on ``bench/leave_source_out.py``: 0.5
# turned 3 empty fields right and no field wrong; 0.7 two.
RULE_ALONE = 0.5


def _rule_alone(cands: list[Cand]) -> Cand | None:
    """The label rule's best candidate, if its own evidence stands without the model."""
    best = max((c for c in cands if c.origin == "rule"), key=lambda c: c.score, default=None)
    return best if best is not None and best.score >= RULE_ALONE else None


def _reference_near_number(fields: dict[str, ExtractedField]) -> None:
    """A payment reference printed as the invoice number, read with one character more,
    less or other ("INV-2025-0 0069" beside "INV-2025-0069"): two readings of one text, one
    of them misread. Each reading that no check of its own vouches for is doubted."""
    reference, number = fields.get("payment_reference"), fields.get("invoice_number")
    if reference is None or number is None:
        return
    a, b = alnum_upper(str(reference.value)), alnum_upper(str(number.value))
    if a == b or min(len(a), len(b)) < 5 or not _one_edit_apart(a, b):
        return
    check = Check(
        "reference_matches_number",
        False,
        checks.REFERENCE_NEAR_NUMBER.format(reference=reference.value, number=number.value),
    )
    readings = {"payment_reference": reference, "invoice_number": number}
    vouched = {name: any(c.ok for c in found.checks) for name, found in readings.items()}
    for name, found in readings.items():
        if not vouched[name] or all(vouched.values()):
            fields[name] = doubted(found, check)


def _one_edit_apart(a: str, b: str) -> bool:
    """One character inserted, deleted or replaced turns ``a`` into ``b``."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    short, long_ = sorted((a, b), key=len)
    k = next((i for i, (x, y) in enumerate(zip(short, long_)) if x != y), len(short))
    return short[k:] == long_[k + 1:]


def _extract_layout(
    layout: Layout,
    labels,
    known_parties: Iterable[str],
    observe: Observer | None = None,
):
    fields: dict[str, ExtractedField] = {}
    doc_type, _ = document_type(layout)
    mark = guess_decimal_mark([r.text for r in layout.rows()])
    mdy = basics.month_first(layout)
    hits = find_hits(layout)
    model = active_model()
    ranker = Ranker(DocContext.build(layout, str(doc_type), mark, mdy), model, observe)
    # every value of the type as a weak candidate, for the learned ranker to judge
    learned = model is not None or observe is not None

    def put(
        cands: list[Cand], ceiling: float = 0.9, name: str | None = None
    ) -> Cand | None:
        if not cands:
            return None
        cands = ranker.rank(name or cands[0].field, cands)
        best = cands[0]
        if best.origin != "rule" and (best.prob is None or best.prob < 0.2):
            return None  # a value no rule proposed, and no model sure enough of it
        if best.prob is not None and best.prob < RULED_OUT:
            # the model all but rules out every value: a label word taken for a name, or a
            # page unlike any it learnt from; a rule that stands on its own keeps its value
            best = _rule_alone(cands)
            if best is None:
                return None
        if name:
            best.field = name
        if (
            best.prob is None
            and len(cands) > 1
            and cands[1].score > best.score * 0.85
            and cands[1].value != best.value
        ):
            ceiling = min(ceiling, 0.75)  # a close rival: doubt
        fields[best.field] = to_field(best, layout, ceiling)
        return best

    # identifiers
    numbers = basics.invoice_numbers(labels, layout)
    put(widen.numbers(numbers, layout, hits) if learned else numbers, 0.92)
    iban = put(basics.ibans(hits, labels), 0.9)
    put(basics.bics(hits, labels, layout), 0.9)
    refs = basics.payment_references(labels, layout, hits)
    # a structured communication with valid mod-97 check digits is the payment reference
    put(
        refs,
        0.9
        if refs and any(c.name == "ogm_check_digits" and c.ok for c in refs[0].checks)
        else 0.85,
    )

    # dates
    dayfirst = basics.day_first(layout, mark)
    issue_c = basics.dates(labels, layout, "issue_date", mdy, dayfirst)
    if not issue_c or issue_c[0].score < 0.4:
        issue_c = sorted(
            issue_c + basics.any_dates(layout, mdy), key=lambda c: -c.score
        )
    issue = issue_c[0] if issue_c else None
    if issue is not None:
        issue.checks.append(checks.check_issue_date(issue.value))
    due_c = [
        c
        for c in basics.dates(labels, layout, "due_date", mdy, dayfirst)
        if issue is None or c.value != issue.value or c.score > 0.6
    ]
    if due_c:
        order = checks.check_due_date(issue.value if issue else None, due_c[0].value)
        due_c[0].checks.append(order)
        if issue is not None and not order.ok:
            # which of the two dates was misread ("2020" for "2025") is not known: both are doubted
            issue.checks.append(order)
        agree = (
            basics.terms_agree(
                issue.value, due_c[0].value, basics.payment_terms(layout)
            )
            if issue is not None
            else None
        )
        if agree is not None and due_c[0].checks[-1].ok:
            issue.checks.append(agree)
            due_c[0].checks.append(agree)
    if learned:
        issue_c = widen.dates("issue_date", issue_c, layout, mdy)
        due_c = widen.dates("due_date", due_c, layout, mdy)
    # a letter's dateline, a till's timestamp, the invoice's title: an issue date with no label, vouched for
    number = fields.get("invoice_number")
    issuedate.vouch(
        issue_c, layout, doc_type is DocumentType.RECEIPT, mdy, number.value if number else None
    )
    if issue is not None:
        put(issue_c, 0.92)
    if due_c:
        put(due_c, 0.92)
    _one_date_read_twice(fields, layout, mdy)
    _reference_near_number(fields)

    # parties
    cust_region = parties.customer_region(layout, labels)
    cust_cells = {id(cell) for _, cell in cust_region}
    sup_vat, cus_vat = parties.split_vats(hits, cust_cells, labels, known_parties)
    sv = put(sup_vat, 0.9)
    cv = put(cus_vat, 0.85)
    _settle_vats(fields, layout, hits, sv, cv, cust_region, labels)
    sup_names = parties.supplier_names(layout, labels, hits, cust_cells)
    cus_names = parties.customer_names(layout, labels)
    if cus_names:
        sup_names = [
            c for c in sup_names if c.value.lower() != cus_names[0].value.lower()
        ] or sup_names
    sn = put(sup_names, 0.85)
    cn = put(cus_names, 0.85)
    for cand, name in ((sn, "supplier_address"), (cn, "customer_address")):
        if cand is not None:
            addr = parties.address_after(layout, cand.toks)
            if addr:
                fields[name] = to_field(
                    Cand(name, addr[0], 0.5, addr[1], addr[0]), layout, 0.6
                )
    kbo = basics.enterprise_numbers(hits, labels)
    if kbo:
        put(kbo, 0.9)
    elif sv is not None and checks.kbo_from_vat(sv.value):
        derived = Cand(
            "supplier_enterprise_number",
            checks.kbo_from_vat(sv.value),
            sv.score,
            sv.toks,
            sv.raw,
            [
                checks.check_kbo(checks.kbo_from_vat(sv.value)),
                Check(
                    "derived_from_vat",
                    True,
                    f"enterprise number taken from VAT {sv.value}",
                ),
            ],
        )
        fields["supplier_enterprise_number"] = to_field(derived, layout, 0.9)

    # amounts
    breakdown_rows = table.vat_breakdown(layout, mark)
    breakdown = [b.line for b in breakdown_rows]
    lines = table.lines_table(layout, mark)
    if not lines and doc_type is DocumentType.RECEIPT:
        lines = receipt_lines(layout, mark)
    amount_c = totals.amount_candidates(labels, layout, mark)
    if learned:
        ranked_all = ranker.rank_many(
            {
                name: widen.amounts(name, amount_c[name], layout, mark)
                for name in totals.FIELDS
            }
        )
        for name in totals.FIELDS:
            ranked = ranked_all[name]
            if ranked and ranked[0].prob is not None:
                for c in ranked:
                    c.score = (
                        c.prob
                    )  # the calibrated probability is the evidence the sums weigh
                # an amount the model all but rules out may not win by adding up
                # (cash 15.00 = total 12.50 + change 2.50)
                amount_c[name] = [
                    c for k, c in enumerate(ranked[:8]) if k < 2 or c.score >= 0.05
                ]
            else:
                amount_c[name] = [c for c in ranked if c.origin == "rule"]
    rounding = totals.rounding_amounts(labels, layout, mark)
    chosen = totals.choose(
        amount_c, breakdown, table.breakdown_totals(breakdown_rows), lines, rounding
    )
    for name, cand in chosen.items():
        if cand.prob is not None:
            cand.prob = proven_by_sums(cand.prob, cand.checks)
        fields[name] = to_field(cand, layout, 0.85)
    if not breakdown_rows:
        single = table.single_rate(layout, chosen, mark)
        if single:
            vat = chosen["total_vat"]
            fields["vat_breakdown"] = to_field(
                Cand(
                    "vat_breakdown",
                    single,
                    0.5,
                    vat.toks,
                    "",
                    [checks.check_vat_line(single[0])],
                ),
                layout,
                0.75,
            )
    if breakdown_rows:
        bd_checks = [checks.check_vat_line(b) for b in breakdown]
        net, vat = chosen.get("total_excl_vat"), chosen.get("total_vat")
        sums = checks.check_breakdown_sums(
            breakdown, net.value if net else None, vat.value if vat else None
        )
        toks = tuple(t for b in breakdown_rows for t in b.toks)
        score, ceiling = (0.6 if all(s.ok for s in sums) and sums else 0.4), 0.8
        if (
            len(sums) == 2
            and all(s.ok for s in sums)
            and totals.independent(net, breakdown_rows)
            and totals.independent(vat, breakdown_rows)
        ):
            # every row's rate × base = amount, and the rows sum to the net and VAT totals
            # printed elsewhere under their own labels: three independent agreements
            score, ceiling = 0.85, 0.9
        bd = Cand("vat_breakdown", breakdown, score, toks, "", bd_checks + sums)
        fields["vat_breakdown"] = to_field(bd, layout, ceiling)
    if lines:
        net = chosen.get("total_excl_vat")
        lcheck = [checks.check_lines_sum(lines, net.value)] if net else []
        gross = chosen.get("total_incl_vat")
        if doc_type is DocumentType.RECEIPT and gross and not (lcheck and lcheck[0].ok):
            # a till prints its prices with VAT: the lines add up to the total paid
            with_vat = checks.check_lines_sum(lines, gross.value)
            if with_vat.ok:
                lcheck = [with_vat]
        arith = [checks.line_arithmetic_ok(ln) for ln in lines]
        score = 0.5 if lcheck and lcheck[0].ok else 0.3
        if any(a is False for a in arith):
            score *= 0.7
        elif lcheck and lcheck[0].ok and all(a is True for a in arith):
            # each line's quantity × price = amount and the amounts sum to the net total;
            # a missed line of 0.00 would pass both, so this stays below 0.95
            score = 0.93
        first_page = layout.pages[0].number
        fields["lines"] = ExtractedField(
            "lines",
            lines,
            round(min(score, 0.93) if not lcheck or lcheck[0].ok else score * 0.6, 4),
            layout.source(first_page),
            None,
            None,
            tuple(lcheck),
        )

    # currency: labelled, printed, or the EUR default with low confidence
    cur = basics.currencies(labels, layout)
    if cur:
        put(cur, 0.9)
    else:
        src = layout.pages[0].source if layout.pages else FieldSource.COMPUTED
        fields["currency"] = ExtractedField(
            "currency",
            "EUR",
            0.3,
            src,
            None,
            None,
            (Check("currency_default", False, "no currency printed; EUR assumed"),),
        )
    _ = iban, Decimal, PageText, union
    return doc_type, fields
