"""A small PDF canvas: text in MuPDF's built-in fonts (embedded, subset), lines, boxes.

Shared by the client's own invoices (``pipeline.sales.pdf``) and the synthetic
generator (``pipeline.synth``). Text is written with MuPDF's built-in Nimbus fonts
(Helvetica/Times/Courier metrics) embedded and subset, so "€" and accents survive in
the text layer. Coordinates are PDF points, origin top-left, ``y`` is the baseline.
"""

from __future__ import annotations

import pymupdf

A4 = (595.0, 842.0)
BOLD = {"helv": "hebo", "tiro": "tibo", "cour": "cobo"}
GREY = (0.45, 0.45, 0.45)
LIGHT = (0.92, 0.92, 0.92)
BLACK = (0.0, 0.0, 0.0)
FIXED_DATE = "D:20260101000000+00'00'"

_FONTS: dict[str, pymupdf.Font] = {}


def font(key: str) -> pymupdf.Font:
    if key not in _FONTS:
        _FONTS[key] = pymupdf.Font(key)
    return _FONTS[key]


class Canvas:
    """A document being drawn, one font family, pages added on demand."""

    def __init__(self, family: str, size: tuple[float, float] = A4, creator: str = "Boekbrug") -> None:
        self.doc = pymupdf.open()
        self.family = family
        self.creator = creator
        self.size = size
        self.page: pymupdf.Page = self.new_page()

    def new_page(self) -> pymupdf.Page:
        page = self.doc.new_page(width=self.size[0], height=self.size[1])
        page.insert_font(fontname="R", fontbuffer=font(self.family).buffer)
        page.insert_font(fontname="B", fontbuffer=font(BOLD[self.family]).buffer)
        self.page = page
        return page

    @property
    def width(self) -> float:
        return self.size[0]

    @property
    def height(self) -> float:
        return self.size[1]

    def measure(self, text: str, size: float = 9, bold: bool = False) -> float:
        return font(BOLD[self.family] if bold else self.family).text_length(text, fontsize=size)

    def text(self, x: float, y: float, text: str, size: float = 9, *, bold: bool = False,
             color: tuple[float, float, float] = BLACK, align: str = "left",
             max_width: float | None = None) -> float:
        """Write one line; returns its width. Shrinks the size to fit ``max_width``."""
        if max_width is not None:
            while size > 5 and self.measure(text, size, bold) > max_width:
                size -= 0.5
        width = self.measure(text, size, bold)
        if align == "right":
            x -= width
        elif align == "center":
            x -= width / 2
        self.page.insert_text((x, y), text, fontname="B" if bold else "R", fontsize=size, color=color)
        return width

    def lines(self, x: float, y: float, rows: list[str], size: float = 9, *, leading: float = 1.3,
              bold_first: bool = False, color: tuple[float, float, float] = BLACK,
              align: str = "left") -> float:
        """Write several lines; returns the y below the last one."""
        for i, row in enumerate(rows):
            if row:
                self.text(x, y, row, size, bold=bold_first and i == 0, color=color, align=align)
            y += size * leading
        return y

    def rect(self, x0: float, y0: float, x1: float, y1: float, *,
             color: tuple[float, float, float] | None = BLACK,
             fill: tuple[float, float, float] | None = None, width: float = 0.6) -> None:
        self.page.draw_rect(pymupdf.Rect(x0, y0, x1, y1), color=color, fill=fill, width=width)

    def hline(self, x0: float, x1: float, y: float, *, color: tuple[float, float, float] = BLACK,
              width: float = 0.6) -> None:
        self.page.draw_line((x0, y), (x1, y), color=color, width=width)

    def logo(self, x: float, y: float, name: str, accent: tuple[float, float, float],
             w: float = 70, h: float = 40) -> None:
        """A logo-ish rectangle with the company's initials."""
        initials = "".join(word[0] for word in name.split()[:2] if word[0].isalpha()).upper() or "B"
        self.rect(x, y, x + w, y + h, color=None, fill=accent)
        self.text(x + w / 2, y + h / 2 + 7, initials, 20, bold=True, color=(1, 1, 1), align="center")

    def to_bytes(self) -> bytes:
        self.doc.subset_fonts()
        self.doc.set_metadata({
            "title": "", "author": "", "subject": "", "keywords": "",
            "creator": self.creator, "producer": self.creator,
            "creationDate": FIXED_DATE, "modDate": FIXED_DATE,
        })
        return self.doc.tobytes(garbage=3, deflate=True, no_new_id=True)
