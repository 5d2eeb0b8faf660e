from __future__ import annotations

import io
from email.message import EmailMessage

import numpy as np
import pytest
from PIL import Image

from models.enums import DocumentKind
from pipeline.core.errors import NoAttachments
from pipeline.intake.email import build_email, split_email
from tests.samples import UBL, pdf_bytes


def noisy_png(size: tuple[int, int]) -> bytes:
    rng = np.random.default_rng(1)
    out = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (*size, 3), dtype=np.uint8)).save(out, format="PNG")
    return out.getvalue()


def test_split_keeps_documents_and_skips_logos() -> None:
    data = build_email(
        "Leverancier <factuur@lev.be>",
        "Factuur 2025-001",
        [
            ("factuur.pdf", pdf_bytes(), "application/pdf"),
            ("logo.png", noisy_png((8, 8)), "image/png"),
            ("photo.png", noisy_png((120, 120)), "image/png"),
            ("invoice.xml", UBL, "application/xml"),
            ("readme.txt", b"hello", "text/plain"),
        ],
    )
    split = split_email(data)
    names = [a.filename for a in split.attachments]
    assert names == ["factuur.pdf", "photo.png", "invoice.xml"]
    assert [a.kind for a in split.attachments] == [DocumentKind.PDF, DocumentKind.IMAGE, DocumentKind.UBL]
    assert split.subject == "Factuur 2025-001"
    assert "factuur@lev.be" in (split.sender or "")
    assert split.message_id == "<test@boekbrug.example>"
    assert split.date is not None and split.date.year == 2025
    assert any("logo.png" in s for s in split.skipped)


def test_split_walks_forwarded_message() -> None:
    inner = EmailMessage()
    inner["From"] = "a@b.be"
    inner["Subject"] = "original"
    inner.set_content("zie bijlage")
    inner.add_attachment(pdf_bytes(), maintype="application", subtype="pdf", filename="../../etc/inner.pdf")
    outer = EmailMessage()
    outer["From"] = "boekhouding@klant.be"
    outer["Subject"] = "Fwd: original"
    outer.set_content("doorgestuurd")
    outer.add_attachment(inner)  # message/rfc822
    split = split_email(outer.as_bytes())
    assert [a.filename for a in split.attachments] == ["inner.pdf"]


def test_split_without_attachments_raises() -> None:
    with pytest.raises(NoAttachments) as info:
        split_email(build_email("a@b.be", "hallo", [("logo.png", noisy_png((8, 8)), "image/png")]))
    assert "logo.png" in info.value.message
