"""Issue 18 item 15: an exception that is caught and passed over still leaves a log line."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pytest
from streamlit.runtime.pages_manager import PagesManager

from pipeline.intake.embedded import find_embedded_xml
from pipeline.read.textlayer import _image_cover
from tests import workbench_data as testdata


def test_a_pdf_that_does_not_open_is_said_when_looking_for_embedded_xml(caplog) -> None:  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.INFO, logger="pipeline.intake.embedded"):
        assert find_embedded_xml(b"this is no PDF at all, only text") is None
    assert any("does not open" in record.getMessage() for record in caplog.records)


@dataclass
class _Rect:
    x0: float = 0.0
    y0: float = 0.0
    x1: float = 100.0
    y1: float = 100.0

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0


class _PageWithBrokenImages:
    """A page whose image dictionary is broken (as PyMuPDF raises on some damaged files)."""

    number = 2
    rect = _Rect()

    def get_image_info(self) -> list:
        raise RuntimeError("broken image dictionary")


def test_a_page_whose_images_cannot_be_listed_is_said(caplog) -> None:  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.INFO, logger="pipeline.read.textlayer"):
        assert _image_cover(_PageWithBrokenImages()) == 0.0
    assert any(
        "page 3" in record.getMessage() and record.exc_info for record in caplog.records
    )


@pytest.fixture
def world(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(PagesManager, "__init__", testdata.navigation_pinned_init())
    testdata.fast_password_hashing()
    settings, built = testdata.build(tmp_path / "data", documents=1)
    yield settings, built
    from pipeline.core.config import settings as settings_fn

    settings_fn.cache_clear()


def test_a_task_not_given_back_at_sign_out_is_said(world, caplog) -> None:  # type: ignore[no-untyped-def]
    at = testdata.signed_in("op1")

    @dataclass(frozen=True)
    class Held:  # a task the page still holds, whose lease another operator took meanwhile
        task_id: int = 999_999
        version: int = 1

    at.session_state["wb_task"] = Held()
    with caplog.at_level(
        logging.INFO
    ):  # the app runs as a script: its logger is __main__
        next(b for b in at.button if b.key == "sign_out").click().run()
    assert not at.exception
    assert any("not given back" in record.getMessage() for record in caplog.records), (
        caplog.text
    )
