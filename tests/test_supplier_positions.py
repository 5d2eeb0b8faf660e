"""A supplier's layout learnt from one validated invoice: anchors, offsets, formats, and
what the next invoice of the supplier makes of them (agreement, doubt, an offered value)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from models import SupplierProfile
from models.enums import FieldSource, FieldState
from pipeline.core.records import Check, ExtractedField, Line, PageText, Word
from pipeline.review.confidence import field_state
from pipeline.suppliers.layout import apply_layout
from pipeline.suppliers.memory import apply_supplier_memory
from pipeline.suppliers.positions import learn_field, read_field, words_of_records

Box = tuple[float, float, float, float]


def _page(lines: list[list[tuple[str, Box]]]) -> PageText:
    return PageText(
        1,
        595,
        842,
        FieldSource.TEXT_LAYER,
        "pymupdf",
        tuple(
            Line(
                " ".join(t for t, _ in words),
                (words[0][1][0], words[0][1][1], words[-1][1][2], words[-1][1][3]),
                1.0,
                tuple(Word(t, b, 1.0) for t, b in words),
            )
            for words in lines
        ),
    )


def _invoice(
    number: str, day: str, total: str, totals_y: float, *, label: str = "Factuurnummer:"
) -> PageText:
    """One supplier's invoice: number and date top right, totals lower as the invoice has more lines."""
    return _page(
        [
            [
                ("Bakkerij", (0.1, 0.03, 0.2, 0.05)),
                ("Peeters", (0.21, 0.03, 0.3, 0.05)),
            ],
            [(label, (0.5, 0.10, 0.62, 0.12)), (number, (0.70, 0.10, 0.82, 0.12))],
            [("Datum:", (0.5, 0.13, 0.56, 0.15)), (day, (0.70, 0.13, 0.78, 0.15))],
            [("Brood", (0.1, 0.30, 0.2, 0.32)), ("12,00", (0.8, 0.30, 0.86, 0.32))],
            [
                ("Totaal", (0.5, totals_y, 0.56, totals_y + 0.02)),
                ("te", (0.57, totals_y, 0.59, totals_y + 0.02)),
                ("betalen", (0.60, totals_y, 0.66, totals_y + 0.02)),
                ("€", (0.76, totals_y, 0.78, totals_y + 0.02)),
                (total, (0.80, totals_y, 0.88, totals_y + 0.02)),
            ],
        ]
    )


FIRST = _invoice("F2025-0117", "03/02/2025", "1.234,56", 0.80)
NEXT = _invoice(
    "F2025-0142", "17/03/2025", "99,00", 0.86
)  # other values, totals further down


def _layout(page: PageText = FIRST) -> dict:
    words = words_of_records([page])
    learnt = {
        name: learn_field(words, name, value)
        for name, value in (
            ("invoice_number", "F2025-0117"),
            ("issue_date", "2025-02-03"),
            ("total_incl_vat", "1234.56"),
        )
    }
    return {
        name: {**entry, "machine_was_right": True} for name, entry in learnt.items()
    }


def _field(
    name: str, value: object, confidence: float = 0.8, checks: tuple[Check, ...] = ()
) -> ExtractedField:
    return ExtractedField(
        name, value, confidence, FieldSource.TEXT_LAYER, 1, None, checks
    )


def _state(found: ExtractedField) -> FieldState:
    checks = [{"name": c.name, "ok": c.ok, "message": c.message} for c in found.checks]
    return field_state(str(found.value), found.confidence, checks, 0.99)


def test_learning_remembers_the_label_the_offset_and_the_format() -> None:
    layout = _layout()
    number = layout["invoice_number"]
    assert number["anchor"] == ["factuurnummer"] and number["side"] == "left"
    assert number["format"] == "A9999-9999" and number["page"] == 1
    assert number["offset_w"] == [
        1.6667,
        0.0,
    ]  # in anchor widths: the same on a smaller photo
    total = layout["total_incl_vat"]
    assert total["anchor"] == [
        "totaal",
        "te",
        "betalen",
    ]  # the currency sign between is skipped
    assert total["format"] == "decimal,"
    assert layout["issue_date"]["anchor"] == ["datum"]
    assert layout["issue_date"]["words"] == 1  # the date alone, not "Datum: 03/02/2025"


def test_the_next_invoice_is_read_after_the_same_labels_even_where_the_totals_moved() -> (
    None
):
    layout, words = _layout(), words_of_records([NEXT])
    assert (
        read_field(words, "invoice_number", layout["invoice_number"]).value
        == "F2025-0142"
    )
    assert read_field(words, "issue_date", layout["issue_date"]).value == date(
        2025, 3, 17
    )
    total = read_field(words, "total_incl_vat", layout["total_incl_vat"])
    assert (
        total.value == Decimal("99.00")
        and total.same_format
        and total.anchor == "Totaal te betalen"
    )


def test_agreement_with_passing_checks_makes_a_field_certain() -> None:
    fields = {
        "invoice_number": _field("invoice_number", "F2025-0142"),
        "total_incl_vat": _field(
            "total_incl_vat",
            Decimal("99.00"),
            0.9,
            (Check("totals_add_up", True, "81.82 + 17.18 = 99.00"),),
        ),
    }
    outcomes = apply_layout(fields, _layout(), words_of_records([NEXT]))
    assert outcomes["invoice_number"] == outcomes["total_incl_vat"] == "agrees"
    for name in ("invoice_number", "total_incl_vat"):
        assert _state(fields[name]) is FieldState.CERTAIN
        assert (
            fields[name].checks[-1].name == "supplier_layout"
            and fields[name].checks[-1].ok
        )
        assert "Factuurnummer" in fields["invoice_number"].checks[-1].message


def test_agreement_never_overrides_a_failed_check_or_a_guess() -> None:
    failing = _field(
        "total_incl_vat",
        Decimal("99.00"),
        0.9,
        (Check("totals_add_up", False, "80.00 + 17.18 ≠ 99.00"),),
    )
    guess = _field("invoice_number", "F2025-0142", 0.1)
    fields = {"total_incl_vat": failing, "invoice_number": guess}
    apply_layout(fields, _layout(), words_of_records([NEXT]))
    assert (
        fields["total_incl_vat"].confidence == 0.9
        and _state(fields["total_incl_vat"]) is FieldState.FAILED_CHECK
    )
    assert (
        fields["invoice_number"].confidence == 0.1
        and _state(fields["invoice_number"]) is FieldState.UNCERTAIN
    )


def test_a_disagreeing_layout_is_doubt_said_in_words() -> None:
    fields = {
        "invoice_number": _field("invoice_number", "F2025-0141", 0.98)
    }  # the extractor read another number
    assert (
        apply_layout(fields, _layout(), words_of_records([NEXT]))["invoice_number"]
        == "disagrees"
    )
    doubted = fields["invoice_number"]
    assert doubted.value == "F2025-0141" and doubted.confidence <= 0.5
    assert _state(doubted) is FieldState.FAILED_CHECK
    message = doubted.checks[-1].message
    assert (
        not doubted.checks[-1].ok
        and "F2025-0142" in message
        and "F2025-0141" in message
        and "Factuurnummer" in message
    )


def test_another_amount_at_the_place_of_a_total_two_sums_prove_is_the_place_misread() -> None:
    adds_up, gross = Check("totals_add_up", True, "x"), Check("breakdown_gross_sum", True, "x")
    proven = _field("total_incl_vat", Decimal("98.00"), 0.99, (adds_up, gross))
    fields = {"total_incl_vat": proven}  # the layout reads 99,00 where the total was
    assert apply_layout(fields, _layout(), words_of_records([NEXT]))["total_incl_vat"] == "no evidence"
    assert fields["total_incl_vat"] == proven
    one_sum = _field("total_incl_vat", Decimal("98.00"), 0.99, (adds_up,))
    fields = {"total_incl_vat": one_sum}
    assert apply_layout(fields, _layout(), words_of_records([NEXT]))["total_incl_vat"] == "disagrees"
    assert _state(fields["total_incl_vat"]) is FieldState.FAILED_CHECK


def test_after_a_correction_the_layout_value_is_proposed_still_in_doubt() -> None:
    layout = _layout()
    layout["invoice_number"]["machine_was_right"] = (
        False  # the operator had to correct the extractor here
    )
    fields = {"invoice_number": _field("invoice_number", "2025", 0.95)}
    apply_layout(fields, layout, words_of_records([NEXT]))
    proposed = fields["invoice_number"]
    assert (
        proposed.value == "F2025-0142"
        and proposed.source is FieldSource.SUPPLIER_MEMORY
    )
    assert (
        _state(proposed) is FieldState.FAILED_CHECK
        and "2025" in proposed.checks[-1].message
    )


def test_a_value_the_extractor_missed_is_offered_not_certain() -> None:
    fields: dict[str, ExtractedField] = {}
    apply_layout(fields, _layout(), words_of_records([NEXT]))
    offered = fields["total_incl_vat"]
    assert (
        offered.value == Decimal("99.00")
        and offered.source is FieldSource.SUPPLIER_MEMORY
    )
    assert _state(offered) is FieldState.UNCERTAIN


def test_no_evidence_where_the_label_is_gone_or_another_format_is_printed() -> None:
    other_label = _invoice("F2025-0142", "17/03/2025", "99,00", 0.86, label="Nummer:")
    fields = {"invoice_number": _field("invoice_number", "F2025-0142")}
    assert (
        apply_layout(fields, _layout(), words_of_records([other_label]))[
            "invoice_number"
        ]
        == "no evidence"
    )
    assert (
        fields["invoice_number"].confidence == 0.8
        and not fields["invoice_number"].checks
    )
    other_format = _invoice(
        "2025/142", "17/03/2025", "99,00", 0.86
    )  # a new number series: not the learnt shape
    fields = {"invoice_number": _field("invoice_number", "2025/142")}
    assert (
        apply_layout(fields, _layout(), words_of_records([other_format]))[
            "invoice_number"
        ]
        == "no evidence"
    )
    assert fields["invoice_number"].confidence == 0.8


def test_a_place_without_a_label_gives_no_agreement() -> None:
    layout = _layout()
    name = learn_field(words_of_records([FIRST]), "supplier_name", "Bakkerij Peeters")
    assert (
        name is not None and name["anchor"] == []
    )  # a letterhead: no label to read it after
    fields = {"supplier_name": _field("supplier_name", "Bakkerij Peeters")}
    apply_layout(fields, {**layout, "supplier_name": name}, words_of_records([NEXT]))
    assert fields["supplier_name"].confidence == 0.8


def _photographed(
    page: PageText,
    scale: float = 0.7,
    shift: tuple[float, float] = (0.12, 0.08),
    tilt: float = 0.04,
) -> PageText:
    """The page as a phone photo sees it: smaller on the picture, shifted, slightly askew."""

    def move(box: Box) -> Box:
        x0, y0, x1, y1 = (
            shift[0] + scale * c if i % 2 == 0 else shift[1] + scale * c
            for i, c in enumerate(box)
        )
        return (x0, y0 + tilt * x0, x1, y1 + tilt * x0)

    return PageText(
        1,
        3000,
        4000,
        FieldSource.OCR,
        "rapidocr",
        tuple(
            Line(
                line.text,
                move(line.bbox),
                0.9,
                tuple(Word(w.text, move(w.bbox), 0.9) for w in line.words),
            )
            for line in page.lines
        ),
    )


def test_a_photographed_page_with_a_misread_label_is_still_read_after_its_label() -> (
    None
):
    misread = _invoice(
        "F2025-0142", "17/03/2025", "99,00", 0.86, label="Tactuurnummer:"
    )  # OCR: T for F
    words = words_of_records([_photographed(misread)])
    layout = _layout()
    number = read_field(words, "invoice_number", layout["invoice_number"])
    assert number.value == "F2025-0142" and number.same_format
    assert read_field(
        words, "total_incl_vat", layout["total_incl_vat"]
    ).value == Decimal("99.00")
    assert read_field(words, "issue_date", layout["issue_date"]).value == date(
        2025, 3, 17
    )


def test_a_label_the_reader_cut_short_is_still_the_label_when_most_of_it_is_read() -> None:
    layout = _layout()
    for label, found in (("Factuurnumm", True), ("Factu", False), ("Factuur", False)):
        cut = words_of_records([_invoice("F2025-0142", "17/03/2025", "99,00", 0.86, label=label)])
        number = read_field(cut, "invoice_number", layout["invoice_number"])
        assert (number is not None and number.value == "F2025-0142") is found, label


def test_a_date_whose_cell_ran_into_the_next_is_read_in_the_learnt_format() -> None:
    first = _page([[("Factuurdatum", (0.1, 0.20, 0.25, 0.22))],
                   [("3", (0.1, 0.23, 0.12, 0.25)), ("februari", (0.125, 0.23, 0.2, 0.25)),
                    ("2025", (0.205, 0.23, 0.25, 0.25))]])  # fmt: skip
    entry = learn_field(words_of_records([first]), "issue_date", "2025-02-03")
    assert entry is not None and entry["side"] == "above" and entry["format"] == "99 a 9999"
    ran_on = _page([[("Factuurdatum", (0.1, 0.20, 0.25, 0.22))],
                    [("22", (0.1, 0.23, 0.12, 0.25)), ("augustus", (0.125, 0.23, 0.2, 0.25)),
                     ("2025", (0.205, 0.23, 0.25, 0.25)), ("|", (0.26, 0.23, 0.262, 0.25)),
                     ("21", (0.27, 0.23, 0.29, 0.25)), ("september", (0.295, 0.23, 0.36, 0.25))]])  # fmt: skip
    got = read_field(words_of_records([ran_on]), "issue_date", entry)
    assert got is not None and got.value == date(2025, 8, 22) and got.same_format


def test_a_longer_word_is_another_label() -> None:
    """'Totaal te betalen' learnt; a page where only 'Totaal te betalenX'-like longer words appear gives nothing."""
    other = _page(
        [
            [
                ("Totaalbedrag", (0.5, 0.8, 0.62, 0.82)),
                ("te", (0.63, 0.8, 0.65, 0.82)),
                ("betalen", (0.66, 0.8, 0.72, 0.82)),
                ("99,00", (0.8, 0.8, 0.86, 0.82)),
            ]
        ]
    )
    assert (
        read_field(
            words_of_records([other]), "total_incl_vat", _layout()["total_incl_vat"]
        )
        is None
    )


def _totals_block(values: tuple[str, str, str], slope: float) -> PageText:
    """Labels and amounts as separate reader lines, the page askew (as a phone photo is read)."""
    lines = []
    for row, (label, value) in enumerate(
        zip(("Totaal excl. btw", "Totaal btw", "Totaal incl. btw"), values, strict=True)
    ):
        y = 0.365 + 0.017 * row
        words, x = [], 0.554
        for word in label.split():
            words.append(
                (
                    word,
                    (
                        x,
                        y + slope * (x - 0.55),
                        x + 0.03,
                        y + 0.01 + slope * (x - 0.55),
                    ),
                )
            )
            x += 0.036
        lines.append(words)
        amount = [("€", (0.77, y + slope * 0.22, 0.777, y + 0.01 + slope * 0.22))]
        x = 0.78
        for part in value.split():  # "2 443,51": the reader may see two words
            amount.append(
                (
                    part,
                    (
                        x,
                        y + slope * (x - 0.55),
                        x + 0.006 * len(part),
                        y + 0.01 + slope * (x - 0.55),
                    ),
                )
            )
            x += 0.006 * len(part) + 0.004
        lines.append(amount)
    lines.append(
        [
            ("Lang", (0.1, 0.5, 0.2, 0.51)),
            ("genoeg", (0.3, 0.5 + slope * 0.2, 0.4, 0.51 + slope * 0.2)),
            ("regel", (0.6, 0.5 + slope * 0.5, 0.7, 0.51 + slope * 0.5)),
        ]
    )
    return _page(lines)


def test_on_a_page_askew_the_value_on_the_label_s_own_line_is_read() -> None:
    learnt = learn_field(
        words_of_records([_totals_block(("138,05", "8,28", "146,33"), 0.0)]),
        "total_vat",
        "8.28",
    )
    assert learnt["anchor"] == ["totaal", "btw"]
    askew = words_of_records([_totals_block(("2 305,20", "138,31", "2 443,51"), 0.05)])
    assert askew[0].slope > 0.04
    reading = read_field(askew, "total_vat", learnt)
    assert reading.value == Decimal(
        "138.31"
    )  # not the total excl. VAT, higher up the slanted page
    total = learn_field(
        words_of_records([_totals_block(("138,05", "8,28", "1 146,33"), 0.0)]),
        "total_incl_vat",
        "1146.33",
    )
    assert total["words"] == 2 and total["format"] == "decimal,"
    assert read_field(askew, "total_incl_vat", total).value == Decimal(
        "2443.51"
    )  # "2 443,51" whole


def _column_heads(issue: str, due: str) -> PageText:
    """Heads over values: "Date de facture" over the issue date, "Date d'échéance" over the due date."""
    return _page(
        [
            [
                ("Date", (0.26, 0.215, 0.28, 0.222)),
                ("de", (0.285, 0.215, 0.295, 0.222)),
                ("facture", (0.3, 0.215, 0.33, 0.222)),
                ("Date", (0.40, 0.215, 0.42, 0.222)),
                ("d'échéance", (0.425, 0.215, 0.47, 0.222)),
            ],
            [
                (w, (0.263 + 0.03 * k, 0.226, 0.29 + 0.03 * k, 0.236))
                for k, w in enumerate(issue.split())
            ]
            + [
                (w, (0.404 + 0.03 * k, 0.226, 0.43 + 0.03 * k, 0.236))
                for k, w in enumerate(due.split())
            ],
        ]
    )


def test_a_column_head_is_learnt_whole_and_a_label_printed_twice_is_none() -> None:
    learnt = learn_field(
        words_of_records([_column_heads("16 juin 2025", "31 juillet 2025")]),
        "issue_date",
        "2025-06-16",
    )
    assert learnt["anchor"] == ["date", "de", "facture"] and learnt["side"] == "above"
    later = words_of_records([_column_heads("3 mars 2026", "2 avril 2026")])
    assert read_field(later, "issue_date", learnt).value == date(
        2026, 3, 3
    )  # never the due date beside it
    twice = _page(
        [
            [("Date", (0.1, 0.1, 0.13, 0.11)), ("12/05/2025", (0.14, 0.1, 0.2, 0.11))],
            [("Date", (0.1, 0.2, 0.13, 0.21)), ("30/05/2025", (0.14, 0.2, 0.2, 0.21))],
        ]
    )
    assert (
        learn_field(words_of_records([twice]), "issue_date", "2025-05-12")["anchor"]
        == []
    )


def test_a_changed_iban_stays_a_loud_flag_whatever_the_layout_says() -> None:
    page = _page(
        [
            [
                ("IBAN", (0.1, 0.9, 0.14, 0.91)),
                ("BE71", (0.15, 0.9, 0.19, 0.91)),
                ("0961", (0.195, 0.9, 0.235, 0.91)),
                ("2345", (0.24, 0.9, 0.28, 0.91)),
                ("6769", (0.285, 0.9, 0.325, 0.91)),
            ]
        ]
    )
    learnt = learn_field(words_of_records([page]), "iban", "BE71096123456769")
    assert learnt["anchor"] == ["iban"]
    profile = SupplierProfile(
        name="Bakkerij Peeters", iban="BE68539007547034", documents_seen=3
    )
    for machine_was_right in (True, False):
        fields = {
            "iban": _field(
                "iban",
                "BE71096123456769",
                0.99,
                (Check("iban_checksum", True, "valid"),),
            )
        }
        apply_supplier_memory(
            fields, profile
        )  # the supplier was paid on another account before
        apply_layout(
            fields,
            {"iban": {**learnt, "machine_was_right": machine_was_right}},
            words_of_records([page]),
        )
        assert _state(fields["iban"]) is FieldState.FAILED_CHECK
        assert any(
            c.name == "supplier_iban_changed" and not c.ok
            for c in fields["iban"].checks
        )


def test_the_tail_of_another_label_is_not_the_label() -> None:
    """'Date' learnt as the issue date's label; 'Due date' on the same page is another label."""
    page = _page(
        [
            [("Date", (0.1, 0.1, 0.13, 0.11)), ("12/05/2025", (0.2, 0.1, 0.26, 0.11))],
            [
                ("Due", (0.1, 0.2, 0.125, 0.21)),
                ("date", (0.128, 0.2, 0.16, 0.21)),
                ("30/05/2025", (0.2, 0.2, 0.26, 0.21)),
            ],
        ]
    )
    learnt = learn_field(words_of_records([page]), "issue_date", "2025-05-12")
    assert learnt["anchor"] == ["date"] and learnt["before"] == ""
    later = _page(
        [
            [
                ("Due", (0.1, 0.1, 0.125, 0.11)),
                ("date", (0.128, 0.1, 0.16, 0.11)),
                ("30/06/2025", (0.2, 0.1, 0.26, 0.11)),
            ],
            [("Date", (0.1, 0.2, 0.13, 0.21)), ("02/06/2025", (0.2, 0.2, 0.26, 0.21))],
        ]
    )
    assert read_field(words_of_records([later]), "issue_date", learnt).value == date(
        2025, 6, 2
    )
    twice = _page(
        [
            [("Date", (0.1, 0.1, 0.13, 0.11)), ("02/06/2025", (0.2, 0.1, 0.26, 0.11))],
            [("Date", (0.1, 0.3, 0.13, 0.31)), ("09/06/2025", (0.2, 0.3, 0.26, 0.31))],
        ]
    )
    assert (
        read_field(words_of_records([twice]), "issue_date", learnt) is None
    )  # which one? no guess


def test_a_place_learnt_from_a_field_released_untouched_is_weaker_evidence() -> None:
    """"Confirm and next" releases the whole form: a field the machine set certain and a
    person released without looking is learnt as ``evidence: released``. It agrees with a
    reading the extractor was fairly sure of, never rescues a doubtful one (a place a
    person looked at does, from 0.2), and a disagreement is doubt as always."""
    from pipeline.review.confidence import MIN_AGREEING_RELEASED

    weak = {name: {**entry, "evidence": "released"} for name, entry in _layout().items()}
    sure = {"invoice_number": _field("invoice_number", "F2025-0142", MIN_AGREEING_RELEASED + 0.1)}
    assert apply_layout(sure, weak, words_of_records([NEXT]))["invoice_number"] == "agrees"
    assert _state(sure["invoice_number"]) is FieldState.CERTAIN
    doubtful = {"invoice_number": _field("invoice_number", "F2025-0142", MIN_AGREEING_RELEASED - 0.2)}
    assert apply_layout(doubtful, weak, words_of_records([NEXT]))["invoice_number"] == "no evidence"
    assert doubtful["invoice_number"].confidence == MIN_AGREEING_RELEASED - 0.2
    assert not doubtful["invoice_number"].checks
    looked_at = {"invoice_number": _field("invoice_number", "F2025-0142", MIN_AGREEING_RELEASED - 0.2)}
    assert apply_layout(looked_at, _layout(), words_of_records([NEXT]))["invoice_number"] == "agrees"
    wrong = {"invoice_number": _field("invoice_number", "F2025-0999", 0.9)}
    assert apply_layout(wrong, weak, words_of_records([NEXT]))["invoice_number"] == "disagrees"
    assert _state(wrong["invoice_number"]) is FieldState.FAILED_CHECK


def test_a_name_read_by_ocr_agrees_only_as_the_value_a_person_validated() -> None:
    """The layout reads the same OCR words as the extractor, so a misread letter agrees with
    itself ("SRE" for "SRL", as a replay found): a name read by OCR is vouched for only when
    it is the very value a person validated at that place."""

    def page(name: str) -> PageText:
        words = [("Klant:", (0.1, 0.2, 0.16, 0.22))]
        x = 0.2
        for word in name.split():
            words.append((word, (x, 0.2, x + 0.06, 0.22)))
            x += 0.065
        return _page([words, [("Factuurnummer:", (0.5, 0.10, 0.62, 0.12)), ("F2025-0117", (0.70, 0.10, 0.82, 0.12))]])

    entry = learn_field(words_of_records([page("Collard & Fils SRL")]), "customer_name", "Collard & Fils SRL")
    assert entry is not None and entry["anchor"] == ["klant"]
    layout = {"customer_name": {**entry, "machine_was_right": True, "value": "Collard & Fils SRL"}}

    def read(text: str, source: FieldSource) -> tuple[str, ExtractedField]:
        fields = {"customer_name": ExtractedField("customer_name", text, 0.8, source, 1, None, ())}
        return apply_layout(fields, layout, words_of_records([page(text)]))["customer_name"], fields["customer_name"]

    outcome, misread = read("Collard & Fils SRE", FieldSource.OCR)
    assert outcome == "no evidence" and misread.confidence == 0.8
    outcome, right = read("Collard & Fils SRL", FieldSource.OCR)
    assert outcome == "agrees" and _state(right) is FieldState.CERTAIN
    outcome, _ = read("Collard & Fils SRE", FieldSource.TEXT_LAYER)  # a text layer spells as printed
    assert outcome == "agrees"


def test_a_credit_notes_layout_is_kept_apart_from_the_invoices() -> None:
    from models.enums import DocumentType
    from pipeline.suppliers.positions import layout_for, layout_key

    invoice_entry = {"anchor": ["facture"], "format": "A9999-99999"}
    credit_entry = {"anchor": ["note", "de", "crédit"], "format": "AA999999"}
    positions = {
        layout_key("invoice_number", DocumentType.INVOICE): invoice_entry,
        layout_key("invoice_number", DocumentType.CREDIT_NOTE): credit_entry,
        "currency": {"value": "EUR", "documents": 2},
    }
    assert len({layout_key("invoice_number", t) for t in DocumentType}) == 2
    assert layout_for(positions, DocumentType.INVOICE)["invoice_number"] is invoice_entry
    assert layout_for(positions, DocumentType.CREDIT_NOTE) == {"invoice_number": credit_entry}
    assert layout_for(positions, DocumentType.RECEIPT)["invoice_number"] is invoice_entry
    assert layout_for(None, DocumentType.CREDIT_NOTE) == {}


def test_a_structured_communication_with_valid_check_digits_is_not_overruled_by_the_learnt_reference() -> (
    None
):
    """Last time the operator corrected the payment reference to the invoice number printed
    after "Mededeling:"; this time the supplier also prints a structured communication and
    the extractor read it, check digits valid: another kind of reference, kept as read."""
    first = _invoice("F2025-0117", "03/02/2025", "1.234,56", 0.80, label="Mededeling:")
    nxt = _invoice("F2025-0142", "17/03/2025", "99,00", 0.86, label="Mededeling:")
    entry = learn_field(words_of_records([first]), "payment_reference", "F2025-0117")
    layout = {"payment_reference": {**entry, "machine_was_right": False}}
    ogm = Check("ogm_check_digits", True, "+++090/9337/55493+++ passes the mod-97 check")
    fields = {"payment_reference": _field("payment_reference", "+++090/9337/55493+++", 0.95, (ogm,))}
    assert apply_layout(fields, layout, words_of_records([nxt]))["payment_reference"] == "no evidence"
    assert fields["payment_reference"].value == "+++090/9337/55493+++"

    # the same reading without its check digits proven: the learnt place's value is proposed
    fields = {"payment_reference": _field("payment_reference", "+++090/9337/55493+++", 0.95)}
    assert apply_layout(fields, layout, words_of_records([nxt]))["payment_reference"] == "disagrees"
    assert fields["payment_reference"].value == "F2025-0142"


def test_a_first_credit_note_is_read_at_its_invoices_places_agreement_only() -> None:
    """A supplier's credit notes have taught nothing yet: its invoices' places are used for
    the date and the total (agreement only, as weaker evidence), never for the number."""
    from models.enums import DocumentType
    from pipeline.suppliers.positions import layout_for

    positions = _layout()
    borrowed = layout_for(positions, DocumentType.CREDIT_NOTE, borrow=True)
    assert set(borrowed) == {"issue_date", "total_incl_vat"}
    assert layout_for(positions, DocumentType.CREDIT_NOTE) == {}
    assert layout_for(positions, DocumentType.INVOICE, borrow=True) == positions

    fields = {
        "invoice_number": _field("invoice_number", "CN-0007", 0.9),
        "issue_date": _field("issue_date", date(2025, 3, 17), 0.9),
        "total_incl_vat": _field("total_incl_vat", Decimal("98.00"), 0.9),  # not what is printed there
    }
    outcomes = apply_layout(fields, borrowed, words_of_records([NEXT]))
    assert outcomes == {"issue_date": "agrees", "total_incl_vat": "no evidence"}
    assert _state(fields["issue_date"]) is FieldState.CERTAIN
    assert fields["total_incl_vat"].confidence == 0.9 and not fields["total_incl_vat"].checks
    assert fields["invoice_number"].confidence == 0.9

    # a credit note's own layout, once learnt, is used instead
    own = {f"credit_note:{name}": entry for name, entry in positions.items()}
    assert layout_for({**positions, **own}, DocumentType.CREDIT_NOTE, borrow=True)["issue_date"] == positions[
        "issue_date"]
