"""Workbench pieces: the page with field boxes, field labels, crops, the keyboard script, plain text.

``boxed_page`` draws every field's box on the page in the colour of its state (the
Documents and Library pages); the Validate page's own viewer, with click-to-fill, is
``workbench.pageview``.

Keyboard (``_KEYBOARD_JS``, installed by ``workbench.pageview.keyboard``): one small
script lives in the page itself (installed once, it outlives Streamlit's reruns). Each validation form names its task and version in its widget
keys; the script puts the cursor in the element keyed for *that* task version only
(never in the previous document's inputs, which Streamlit leaves on screen for a
moment), and keys typed between an Enter and the next document's form are held and
typed into the next document's first field needing a look.

``plain`` escapes Markdown in a user-supplied string (a file name like
``**DRINGEND**`` is shown as written, not in bold).
"""

from __future__ import annotations

import base64
import html as html_lib
import io
import re
from collections.abc import Sequence
from typing import Any

import streamlit as st

from models.enums import DocumentStatus, FieldState, Role
from pipeline import api
from pipeline.api import onboarding
from pipeline.core.check_words import check_words
from pipeline.core.i18n import N_, _, current_language
from pipeline.core.plain_words import FIELD_TITLES, reason_words, status_words

STATE_COLOURS: dict[FieldState, tuple[str, str]] = {
    FieldState.CERTAIN: ("#2e7d32", "green"),
    FieldState.UNCERTAIN: ("#ef6c00", "orange"),
    FieldState.FAILED_CHECK: ("#c62828", "red"),
    FieldState.MISSING: ("#757575", "gray"),
    FieldState.CONFIRMED: ("#1565c0", "blue"),
    FieldState.CORRECTED: ("#6a1b9a", "violet"),
}
STATE_WORDS: dict[FieldState, str] = {
    FieldState.CERTAIN: N_("certain"),
    FieldState.UNCERTAIN: N_("uncertain"),
    FieldState.FAILED_CHECK: N_("failed check"),
    FieldState.MISSING: N_("missing"),
    FieldState.CONFIRMED: N_("confirmed"),
    FieldState.CORRECTED: N_("corrected"),
}
CLIENT_SIDE = (Role.CLIENT, Role.ACCOUNTANT)  # they see plain words, never a state or rule code


def client_side(principal: api.Principal) -> bool:
    """Clients and accountants: reasons in plain words only (the centre's staff also see the detail)."""
    return principal.role in CLIENT_SIDE


def status_label(status: DocumentStatus | str, principal: api.Principal) -> str:
    """A state in words: a client's ("With your accountant"), else the centre's ("Released")."""
    return status_words(status, for_client=principal.role is Role.CLIENT)


def status_filter(container: Any, key: str, principal: api.Principal,
                  default: Sequence[DocumentStatus] = ()) -> list[DocumentStatus]:
    """A multiselect of states in words. A client's words join states ("Being checked" is two):
    one option per word, the chosen states returned."""
    if principal.role is not Role.CLIENT:
        return list(container.multiselect(_("Status"), list(DocumentStatus), default=list(default), key=key,
                                          format_func=lambda s: status_label(s, principal)))
    groups: dict[str, list[DocumentStatus]] = {}
    for status in DocumentStatus:
        groups.setdefault(status_label(status, principal), []).append(status)
    chosen = container.multiselect(_("Status"), list(groups), key=f"{key}-{current_language()}",
                                   default=[word for word, members in groups.items() if set(members) & set(default)])
    return [status for word in chosen for status in groups.get(word, [])]


def reason_label(reason: str | None, principal: api.Principal) -> str:
    return reason_words(reason, for_client=client_side(principal))
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$:=^])")


def plain(text: object) -> str:
    """``text`` for st.markdown / st.caption / labels: every Markdown character escaped, one line."""
    flat = " ".join(str(text if text is not None else "").split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", flat)


def field_title(name: str) -> str:
    if name in FIELD_TITLES:
        return _(FIELD_TITLES[name])
    return name.replace("_", " ").capitalize().replace("Vat", "VAT").replace("vat", "VAT").replace("Iban", "IBAN")


def field_label(field: api.TaskField) -> str:
    """Input label: the field's name and its state in colour, e.g. ``Iban :orange[● uncertain 62 %]``."""
    colour = STATE_COLOURS.get(field.state, ("#000", "gray"))[1]
    score = f" {field.confidence:.0%}" if field.state in (FieldState.UNCERTAIN, FieldState.FAILED_CHECK) else ""
    required = " *" if field.required else ""
    return f"{field_title(field.name)}{required} :{colour}[● {_(STATE_WORDS[field.state]) if field.state in STATE_WORDS else field.state}{score}]"


def boxed_page(image: api.PageImage, focus: str | None = None) -> bytes:
    """The page PNG with every field box drawn in its state's colour; ``focus`` drawn thick."""
    from PIL import Image, ImageDraw

    with Image.open(io.BytesIO(image.png)) as page:
        canvas = page.convert("RGB")
    draw = ImageDraw.Draw(canvas)
    w, h = canvas.size
    for box in image.boxes:
        colour = STATE_COLOURS.get(box.state, ("#000000", ""))[0]
        x0, y0, x1, y1 = box.bbox
        thick = box.field == focus
        pad = 4 if thick else 1
        draw.rectangle((x0 * w - pad, y0 * h - pad, x1 * w + pad, y1 * h + pad),
                       outline="#ff00aa" if thick else colour, width=4 if thick else 2)
    out = io.BytesIO()
    canvas.save(out, format="PNG")
    return out.getvalue()


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
    """The field's check messages, in words, under its input (values read from the document shown as text)."""
    for check in field.checks:
        if check.message:
            st.caption(("✓ " if check.ok else "✗ ") + plain(check_words(check.message)))
    for message in extra:
        st.warning(plain(check_words(message)), icon="⚠️")


_KEYBOARD_JS = r"""
(function () {
  const VERSION = 4, doc = document, win = window;
  if (win.__bbKeys && win.__bbKeys.version === VERSION) return;
  const state = {version: VERSION, task: null, target: null, pending: false, since: 0, buffer: '', landed: {}, touched: {}};
  win.__bbKeys = state;
  function css(key) { return '.st-key-' + String(key).trim().replace(/[^a-zA-Z0-9_-]/g, '-'); }
  function targetInput() {
    if (!state.target) return null;
    const box = doc.querySelector(css(state.target));
    return box ? box.querySelector('input, textarea') : null;
  }
  function typeInto(el, text) {
    const proto = el.tagName === 'TEXTAREA' ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
    Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, text);
    el.dispatchEvent(new Event('input', {bubbles: true}));
  }
  function land() {
    const el = targetInput();
    if (!el || !el.isConnected || el.disabled) return false;
    el.focus({preventScroll: false});
    if (el.type === 'text' || el.tagName === 'TEXTAREA') {
      if (state.buffer) { typeInto(el, state.buffer); el.setSelectionRange(state.buffer.length, state.buffer.length); }
      else { el.select(); }
    }
    state.touched[state.task] = !!state.buffer;
    state.buffer = ''; state.pending = false; state.landed[state.task] = true;
    return doc.activeElement === el;
  }
  // The first key typed into the landed field replaces its value, as its text was selected for:
  // Streamlit re-rendering the input while it settles may have put the caret at the end
  doc.addEventListener('keydown', function (e) {
    const el = targetInput();
    if (!el || e.target !== el || state.touched[state.task]) return;
    state.touched[state.task] = true;
    if (e.key.length !== 1 || e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
    if (!(el.selectionStart === 0 && el.selectionEnd === el.value.length)) el.select();
  }, true);
  function keep(el, until) {  // Streamlit may take the focus away while it settles: put it back
    if (Date.now() > until) return;
    const now = doc.activeElement;
    if (el.isConnected && (!now || now === doc.body) && !state.pending) { el.focus(); }
    setTimeout(function () { keep(el, until); }, 120);
  }
  state.want = function (task, target) {
    if (task === null) { state.task = null; state.target = null; state.pending = false; state.buffer = ''; return; }
    if (task === state.task && state.landed[task]) {  // the same form again (a warning): keys go where they were
      state.pending = false; state.buffer = ''; return;
    }
    state.task = task; state.target = target;
    const started = Date.now();
    (function attempt() {
      if (state.task !== task) return;
      if (land()) { const el = targetInput(); if (el) keep(el, Date.now() + 1500); return; }
      if (Date.now() - started < 20000) setTimeout(attempt, 50);
    })();
  };
  // While the next document is on its way, keys are held (never typed into the previous one's inputs)
  doc.addEventListener('keydown', function (e) {
    if (!state.pending) return;
    if (Date.now() - state.since > 15000) { state.pending = false; state.buffer = ''; return; }
    if (e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
    if (e.key.length === 1) { state.buffer += e.key; }
    else if (e.key === 'Backspace') { state.buffer = state.buffer.slice(0, -1); }
    else if (e.key !== 'Enter' && e.key !== 'Tab') { return; }
    e.preventDefault(); e.stopImmediatePropagation();
  }, true);
  doc.addEventListener('mousedown', function () { state.pending = false; state.buffer = ''; }, true);
  // Enter in the task's form: it is being saved; keys typed from now on belong to the next document
  doc.addEventListener('keydown', function (e) {
    if (state.pending || e.key !== 'Enter' || e.isComposing || !state.task) return;
    const form = e.target && e.target.closest ? e.target.closest('[data-testid="stForm"]') : null;
    if (!form || !form.querySelector('[class*="st-key-in-' + state.task + '-"], ' + css('linesok-' + state.task))) return;
    if (e.target.type === 'checkbox') {  // Enter on "lines are right" submits like Enter in a field
      const submit = form.querySelector('[data-testid="stFormSubmitButton"] button');
      if (submit) { e.preventDefault(); submit.click(); }
    }
    state.pending = true; state.since = Date.now(); state.buffer = '';  // before the next key, whatever runs first
  }, true);
})();
"""

def page_head(principal: api.Principal, title: str, prefix: str) -> Any:
    """Title, the last action's message, and the client picker of a client's errand page
    (stops the page when no client is linked to the account)."""
    st.title(title)
    flash = st.session_state.pop(f"{prefix}_flash", None)
    if flash:
        st.success(plain(flash))
    clients = api.clients_for(principal)
    if not clients:
        st.warning(_("No client is linked to your account."))
        st.stop()
    return st.selectbox(_("Client"), clients, format_func=lambda c: c.name, key=f"{prefix}_client",
                        disabled=len(clients) == 1)


def office_head(principal: api.Principal, title: str, prefix: str, refused: str) -> Any:
    """Title, the last action's message, and the office picker of an office's onboarding
    page (stops the page for a user who may not onboard, or who has no office)."""
    st.title(title)
    if not onboarding.may_onboard(principal):
        st.warning(refused)
        st.stop()
    flash = st.session_state.pop(f"{prefix}_flash", None)
    if flash:
        st.success(plain(flash))
    offices = onboarding.offices_for(principal)
    if not offices:
        st.warning(_("No office is linked to your account."))
        st.stop()
    return offices[0] if len(offices) == 1 else st.selectbox(
        _("Office"), offices, format_func=lambda o: o.name, key=f"{prefix}_office")
