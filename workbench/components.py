"""Workbench pieces: the document viewer with field boxes, field labels, crops, focus.

The viewer shows the page rendered from the original with every field's box drawn
in the colour of its state; the box of the field whose input has the keyboard focus
is highlighted (a small script follows the focus in the form), and the first field
that needs a look gets the focus when a task opens.
"""

from __future__ import annotations

import base64
import html as html_lib
import io
import json
from collections.abc import Sequence
from typing import Any

import streamlit as st
import streamlit.components.v1 as components

from models.enums import FieldState
from pipeline import api

STATE_COLOURS: dict[FieldState, tuple[str, str]] = {
    FieldState.CERTAIN: ("#2e7d32", "green"),
    FieldState.UNCERTAIN: ("#ef6c00", "orange"),
    FieldState.FAILED_CHECK: ("#c62828", "red"),
    FieldState.MISSING: ("#757575", "gray"),
    FieldState.CONFIRMED: ("#1565c0", "blue"),
    FieldState.CORRECTED: ("#6a1b9a", "violet"),
}
STATE_WORDS: dict[FieldState, str] = {
    FieldState.CERTAIN: "certain",
    FieldState.UNCERTAIN: "uncertain",
    FieldState.FAILED_CHECK: "failed check",
    FieldState.MISSING: "missing",
    FieldState.CONFIRMED: "confirmed",
    FieldState.CORRECTED: "corrected",
}
VIEWER_WIDTH = 640


def field_title(name: str) -> str:
    return name.replace("_", " ").capitalize().replace("Vat", "VAT").replace("vat", "VAT").replace("Iban", "IBAN")


def field_label(field: api.TaskField) -> str:
    """Input label: the field's name and its state in colour, e.g. ``Iban :orange[● uncertain 62 %]``."""
    _, colour = STATE_COLOURS.get(field.state, ("#000", "gray"))
    score = f" {field.confidence:.0%}" if field.state in (FieldState.UNCERTAIN, FieldState.FAILED_CHECK) else ""
    required = " *" if field.required else ""
    return f"{field_title(field.name)}{required} :{colour}[● {STATE_WORDS.get(field.state, field.state)}{score}]"


def boxed_page(image: api.PageImage, focus: str | None = None) -> bytes:
    """The page PNG with every field box drawn in its state's colour; ``focus`` drawn thick."""
    from PIL import Image, ImageDraw

    with Image.open(io.BytesIO(image.png)) as page:
        canvas = page.convert("RGB")
    draw = ImageDraw.Draw(canvas)
    w, h = canvas.size
    for box in image.boxes:
        colour, _ = STATE_COLOURS.get(box.state, ("#000000", ""))
        x0, y0, x1, y1 = box.bbox
        thick = box.field == focus
        pad = 4 if thick else 1
        draw.rectangle((x0 * w - pad, y0 * h - pad, x1 * w + pad, y1 * h + pad),
                       outline="#ff00aa" if thick else colour, width=4 if thick else 2)
    out = io.BytesIO()
    canvas.save(out, format="PNG")
    return out.getvalue()


def page_viewer(image: api.PageImage, *, focus: str | None, zoom: float, input_order: Sequence[str],
                focus_index: int | None, task_key: str) -> None:
    """The page with boxes, following the keyboard focus of the validation form."""
    png = base64.b64encode(boxed_page(image)).decode()
    boxes = {box.field: list(box.bbox) for box in image.boxes}
    width = int(VIEWER_WIDTH * zoom)
    height = int(width * image.height / max(image.width, 1))
    # zoom 1 fits the column; larger zooms scroll inside the viewer
    html = _VIEWER.replace("__PNG__", png).replace("__WIDTH__", f"{100 * zoom:.0f}%").replace(
        "__BOXES__", json.dumps(boxes)).replace("__ORDER__", json.dumps(list(input_order))).replace(
        "__FOCUS_INDEX__", json.dumps(focus_index)).replace("__FOCUS__", json.dumps(focus)).replace(
        "__TASK__", json.dumps(task_key))
    components.html(html, height=min(height + 16, 900), scrolling=True)


def focus_script(index: int, task_key: str) -> None:
    """Put the keyboard focus in the ``index``-th text input of the page's form, once per task."""
    html = _FOCUS.replace("__FOCUS_INDEX__", json.dumps(index)).replace("__TASK__", json.dumps(task_key))
    components.html(html, height=0)


def crop_of(image: api.PageImage | None, field: api.TaskField) -> bytes | None:
    if image is None or field.bbox is None or (field.page or 1) != image.page:
        return None
    return api.crop_png(image.png, field.bbox)


def inline_png(png: bytes, caption: str = "", max_height: int = 90) -> None:
    """An image without the toolbar of ``st.image``: its buttons would take Tab stops in the form."""
    data = base64.b64encode(png).decode()
    text = html_lib.escape(caption)
    st.markdown(
        f'<figure style="margin:0"><img alt="{text}" src="data:image/png;base64,{data}" '
        f'style="max-width:100%;max-height:{max_height}px;border:1px solid #ddd"/>'
        f'<figcaption style="font-size:0.75rem;color:#777">{text}</figcaption></figure>',
        unsafe_allow_html=True,
    )


def check_lines(field: api.TaskField, extra: Sequence[str] = ()) -> None:
    """The field's check messages, in words, under its input."""
    for check in field.checks:
        if check.message:
            st.caption(("✓ " if check.ok else "✗ ") + check.message)
    for message in extra:
        st.warning(message, icon="⚠️")


_FOCUS_JS = """
(function () {
  const doc = window.parent.document, win = window.parent;
  function inputs() {
    const form = doc.querySelector('[data-testid="stForm"]');
    return form ? Array.from(form.querySelectorAll('input[type="text"]')) : [];
  }
  const idx = __FOCUS_INDEX__, task = __TASK__;
  if (idx === null || win.__bbFocusedTask === task) return;
  let tries = 0;
  (function attempt() {
    const list = inputs();
    if (list.length > idx) {
      list[idx].focus(); list[idx].select(); win.__bbFocusedTask = task;
    } else if (tries++ < 40) { setTimeout(attempt, 100); }
  })();
})();
"""

_FOCUS = "<script>" + _FOCUS_JS + "</script>"

_VIEWER = """
<style>
 body { margin: 0; font-family: sans-serif; }
 #wrap { position: relative; width: __WIDTH__; }
 #wrap img { width: 100%; display: block; }
 #hl { position: absolute; border: 3px solid #ff00aa; border-radius: 3px; display: none;
       box-shadow: 0 0 0 4px rgba(255, 0, 170, .25); pointer-events: none; }
</style>
<div id="wrap"><img alt="page" src="data:image/png;base64,__PNG__"><div id="hl"></div></div>
<script>
(function () {
  const boxes = __BOXES__, order = __ORDER__;
  const hl = document.getElementById('hl');
  function show(name) {
    const b = boxes[name];
    if (!b) { hl.style.display = 'none'; return; }
    const pad = 0.006;
    hl.style.left = ((b[0] - pad) * 100) + '%'; hl.style.top = ((b[1] - pad) * 100) + '%';
    hl.style.width = ((b[2] - b[0] + 2 * pad) * 100) + '%';
    hl.style.height = ((b[3] - b[1] + 2 * pad) * 100) + '%';
    hl.style.display = 'block';
    hl.scrollIntoView({block: 'nearest', inline: 'nearest'});
  }
  show(__FOCUS__);
  const doc = window.parent.document, win = window.parent;
  try {
    if (win.__bbFocusHandler) doc.removeEventListener('focusin', win.__bbFocusHandler);
    win.__bbFocusHandler = function (event) {
      const form = doc.querySelector('[data-testid="stForm"]');
      if (!form) return;
      const list = Array.from(form.querySelectorAll('input[type="text"]'));
      const i = list.indexOf(event.target);
      if (i >= 0 && i < order.length) show(order[i]);
    };
    doc.addEventListener('focusin', win.__bbFocusHandler);
  } catch (e) { /* another origin: no focus tracking */ }
})();
""" + _FOCUS_JS + "</script>"


def page_head(principal: api.Principal, title: str, prefix: str) -> Any:
    """Title, the last action's message, and the client picker of a client's errand page
    (stops the page when no client is linked to the account)."""
    st.title(title)
    flash = st.session_state.pop(f"{prefix}_flash", None)
    if flash:
        st.success(flash)
    clients = api.clients_for(principal)
    if not clients:
        st.warning("No client is linked to your account.")
        st.stop()
    return st.selectbox("Client", clients, format_func=lambda c: c.name, key=f"{prefix}_client",
                        disabled=len(clients) == 1)
