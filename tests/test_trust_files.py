"""Issue 18 items 11 (the server's limit), 12, 13 and 14: shown names, released UBL written whole
and verified on the way out, and the workbench on the loopback by default."""

from __future__ import annotations

import os
import subprocess
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from test_deliver_library import World, make_world, release_variant

from models import UblRelease
from pipeline.core.config import PROJECT_ROOT
from pipeline.core.db import unit_of_work
from pipeline.core.storage import display_name, write_atomically
from pipeline.deliver.download import DamagedRelease, download_ubl, zip_for_period
from pipeline.intake.sniff import sniff


@pytest.mark.parametrize(
    "uploaded",
    [
        "a" * 195 + ".exe. .pdf",
        "factuur " * 40 + ".exe.pdf",
        "\u202e" + "b" * 250 + ".pdf",
    ],
)
def test_long_names_are_cut_in_the_stem_and_keep_their_real_extension(
    uploaded: str,
) -> None:
    shown = display_name(uploaded)
    assert len(shown) <= 200 and shown.endswith(".pdf") and not shown.endswith(".")
    assert "\u202e" not in shown


def test_a_long_name_that_hides_a_program_extension_is_still_judged_by_what_it_shows() -> (
    None
):
    shown = display_name("x" * 300 + ".pdf.exe")
    assert shown.endswith(
        ".exe"
    )  # cut in the stem, not into "….pdf": the sniffer sees the .exe
    with pytest.raises(Exception, match="exe"):
        sniff(b"%PDF-1.4 whatever", shown)


def test_an_interrupted_write_leaves_the_old_file_whole(
    tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "releases" / "x.xml"
    write_atomically(target, b"<old/>")

    def crash(*_args) -> None:  # type: ignore[no-untyped-def]
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        write_atomically(target, b"<new>" + b"x" * 100_000 + b"</new>")
    assert target.read_bytes() == b"<old/>"
    assert [p.name for p in target.parent.iterdir()] == [
        "x.xml"
    ]  # no temporary left behind


@pytest.fixture
def world(db_url: str) -> World:
    return make_world(db_url)


def test_a_torn_release_file_is_rewritten_and_a_changed_one_never_handed_over(
    world: World, settings_for, tmp_path: Path
) -> None:
    settings = settings_for(world.url)
    first = release_variant(settings, tmp_path, "INV-2026-0042", "2026-11-02")
    with unit_of_work(world.url) as session:
        release = session.scalars(
            select(UblRelease).where(UblRelease.released_document_id == first)
        ).one()
        path = settings.data_dir / release.xml_path
    whole = path.read_bytes()
    # a crash in the middle of an old, plain write left half the file under the final name:
    # the same UBL released again (another copy of the invoice, another client) rewrites it whole
    path.chmod(0o644)
    path.write_bytes(whole[: len(whole) // 2])
    from pipeline.jobs.release_job import add_passed_release

    class Report:
        ruleset, findings, warnings = "test", [], []

    with unit_of_work(world.url) as session:
        add_passed_release(session, settings, first, whole, Report())
        session.rollback()
    assert path.read_bytes() == whole
    # a stored UBL changed afterwards (bit rot, a hand edit) is refused on the way out
    path.write_bytes(whole.replace(b"1263.00", b"9263.00"))
    with (
        unit_of_work(world.url) as session,
        pytest.raises(DamagedRelease, match="damaged"),
    ):
        download_ubl(session, settings, world.accountant_a, first)
    with unit_of_work(world.url) as session, pytest.raises(DamagedRelease):
        zip_for_period(
            session,
            settings,
            world.accountant_a,
            world.client_a,
            date(2026, 11, 1),
            date(2026, 11, 30),
        )
    path.write_bytes(whole)
    with unit_of_work(world.url) as session:
        assert download_ubl(session, settings, world.accountant_a, first)[1] == whole


def _make_n(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("ADDRESS", "MAX_UPLOAD_MB")}
    return subprocess.run(
        ["make", "-n", "workbench", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout


def test_make_run_listens_on_the_loopback_with_the_upload_limit() -> None:
    command = next(line for line in _make_n().splitlines() if "streamlit run" in line)
    assert "--server.address 127.0.0.1" in command
    assert "--server.maxUploadSize 50" in command
    command = next(
        line
        for line in _make_n("MAX_UPLOAD_MB=7").splitlines()
        if "streamlit run" in line
    )
    assert "--server.maxUploadSize 7" in command
