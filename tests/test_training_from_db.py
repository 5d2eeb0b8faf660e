"""Operators' verdicts become training data (issue 12): ``python -m pipeline train
--from-db`` adds every field an operator confirmed or corrected, with the reading stored
for the document, as labelled candidates — one office's verdicts only, unless the
administrator asks for a shared model."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import numpy as np

from models.enums import DocumentStatus, Role
from pipeline import api
from pipeline.core.accounts import (
    create_user,
    get_or_create_client,
    get_or_create_office,
    principal_of,
)
from pipeline.core.db import unit_of_work
from pipeline.extract import training
from pipeline.jobs.ingest import ingest_files
from pipeline.synth import companies
from pipeline.synth.corpus import truth_fields
from pipeline.synth.documents import make_invoice
from pipeline.synth.layouts import render_invoice


def _invoice(seed: int):  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    supplier, customer = companies.belgian_company(rng), companies.belgian_company(rng)
    return make_invoice(random.Random(seed), seed, supplier, customer, layout="classic", n_lines=2)


def test_operators_verdicts_become_labelled_candidates_per_office(db_url: str, settings_for, tmp_path: Path) -> None:
    settings = settings_for(db_url)
    with unit_of_work(db_url) as session:
        offices = [get_or_create_office(session, name) for name in ("Office A", "Office B")]
        for office, client in zip(offices, ("Client A", "Client B"), strict=True):
            get_or_create_client(session, office, client)
        office_ids = [office.id for office in offices]
        principal = principal_of(create_user(session, "operator", "operator-pass", Role.OPERATOR))
    documents = {}
    for seed, client in ((11, "Client A"), (12, "Client B")):
        doc = _invoice(seed)
        path = tmp_path / f"{client}.pdf"
        path.write_bytes(render_invoice(doc))
        documents[client] = (doc, ingest_files(settings, client, [path]).document_ids[0])

    # the operator works both documents; on office A's, the issue date is "corrected" to
    # another date printed on the page (its due date): the verdict, not the machine, is the label
    corrected_to: date = documents["Client A"][0].due_date
    machine_value = None
    while (task := api.next_task(principal)) is not None:
        truth = truth_fields(documents["Client A" if task.document.id == documents["Client A"][1] else "Client B"][0])
        corrections = {f.name: str(truth[f.name]) for f in task.fields
                       if f.name in ("invoice_number", "total_incl_vat", "total_excl_vat", "total_vat")
                       and f.value not in (None, "") and str(truth.get(f.name)) != str(f.value)}
        if task.document.id == documents["Client A"][1]:
            machine_value = next(f.value for f in task.fields if f.name == "issue_date")
            corrections["issue_date"] = corrected_to.isoformat()
        confirmed = [f.name for f in task.fields if f.value not in (None, "", []) and f.name not in corrections]
        result = api.save(principal, task.task_id, task.version, corrections, confirmed)
        assert result.status in (DocumentStatus.RELEASED, DocumentStatus.VALIDATED), result.reason
    assert machine_value and machine_value != corrected_to.isoformat()

    with unit_of_work(db_url) as session:
        only_a = training.examples_from_db(session, office_ids[0])
        only_b = training.examples_from_db(session, office_ids[1])
        shared = training.examples_from_db(session, None)
    assert [e.doc for e in only_a] == [f"db-{documents['Client A'][1]}"]  # office B's verdicts stay in office B
    assert [e.doc for e in only_b] == [f"db-{documents['Client B'][1]}"]
    assert len(shared) == 2  # the administrator's shared model sees both
    example = only_a[0]
    assert example.truth["issue_date"] == corrected_to.isoformat()
    assert example.kind == "text_pdf" and not example.nulls_are_absent

    rows = training.collect(only_a)
    assert rows.field, "the stored reading yields candidates"
    block = rows.field.index("issue_date")
    labels = rows.y[block]
    assert labels.sum() >= 1  # the corrected value is a candidate, and it is the positive one ...
    with training.using(None):
        from pipeline.extract.core import extract

        seen: dict[str, list] = {}
        extract(example.read, observe=lambda name, cands, x: seen.setdefault(name, list(cands)))
    values = [c.value for c in seen["issue_date"]]
    positive = {str(values[i]) for i in np.flatnonzero(labels)}
    assert positive == {corrected_to.isoformat()}
    assert machine_value in {str(v) for v in values}  # ... and the machine's reading a negative one
    assert all(str(values[i]) != machine_value for i in np.flatnonzero(labels))
    # fields nobody confirmed or corrected are no labels; confirmed ones are
    assert set(example.truth) <= {f for f in example.truth if example.truth[f] not in (None, "")}
    assert "invoice_number" in example.truth and "invoice_number" in rows.field

    # the command: one office's model, written beside the office's data, never over the shipped one
    import argparse

    import pytest

    from pipeline.cli import train as train_command
    from pipeline.extract import ranker

    parser = argparse.ArgumentParser()
    train_command.register(parser.add_subparsers())
    small = ["train", "--docs", "12", "--classic-docs", "3", "--families", "3", "--receipt-families", "1",
             "--no-holdout", "--from-db", db_url]
    with pytest.raises(SystemExit):  # whose verdicts: an office, or every office on purpose
        train_command.run(parser.parse_args(small))
    shipped = ranker.MODEL_PATH.stat().st_mtime_ns
    assert train_command.run(parser.parse_args([*small, "--office", "Office A"])) == 0
    written = settings.data_dir / "models" / f"office-{office_ids[0]}" / ranker.MODEL_PATH.name
    assert written.exists() and ranker.MODEL_PATH.stat().st_mtime_ns == shipped
    assert ranker.load(written) is not None
