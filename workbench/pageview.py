"""The validation page's two browser pieces, as Streamlit components v2 (inline, no iframe, no build step).

``page_viewer``: the page image with every field's box in its state's colour and every
word of the reading as a (hidden) target. The box of the field whose input has the
cursor is highlighted. Clicking a word — or dragging a box over several — sends the
words and the field with the cursor back (trigger ``pick``); the page parses them for
that field's type (``api.value_from_reading``) and hands the value back as ``fill``,
which the viewer types into the field's input (as if typed: the form keeps it until
Enter) and puts the cursor there again. A mouse press on the page never takes the
cursor out of the form.

``keyboard``: the workbench's keyboard script (``components._KEYBOARD_JS``: the cursor
in the first field needing a look, keys typed during a save held for the next form),
and Alt+J, which moves the cursor to the next field needing a look.

Both render in the app's own page (no iframe): a new document needs no frame to load.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from pipeline import api
from workbench.components import _KEYBOARD_JS, STATE_COLOURS, field_title

_VIEWER_CSS = """
.bb-viewer { font-family: sans-serif; }
.bb-scroll { max-height: 78vh; overflow: auto; border: 1px solid #ddd; border-radius: 4px; }
.bb-wrap { position: relative; user-select: none; cursor: crosshair; }
.bb-wrap img { width: 100%; display: block; pointer-events: none; }
.bb-box { position: absolute; border: 2px solid; border-radius: 2px; pointer-events: none; opacity: .8; }
.bb-word { position: absolute; border-radius: 2px; cursor: pointer; }
.bb-word:hover { background: rgba(255, 0, 170, .18); outline: 1px solid rgba(255, 0, 170, .6); }
.bb-word.bb-picked { background: rgba(21, 101, 192, .25); }
.bb-hl { position: absolute; border: 3px solid #ff00aa; border-radius: 3px; display: none; pointer-events: none;
         box-shadow: 0 0 0 4px rgba(255, 0, 170, .25); }
.bb-drag { position: absolute; border: 1px dashed #1565c0; background: rgba(21, 101, 192, .12); display: none;
           pointer-events: none; }
.bb-hint { font-size: .75rem; color: #666; margin-top: .25rem; }
"""

_VIEWER_HTML = '<div class="bb-viewer"></div>'

_VIEWER_JS = r"""
export default function (component) {
  const { data, setTriggerValue, parentElement } = component;
  const root = parentElement.querySelector('.bb-viewer');
  if (!root || !data) return;
  const doc = document, win = window, task = data.task;
  root.innerHTML = '';
  const scroll = doc.createElement('div'); scroll.className = 'bb-scroll';
  const wrap = doc.createElement('div'); wrap.className = 'bb-wrap';
  wrap.style.width = (100 * (data.zoom || 1)) + '%';
  wrap.dataset.task = task;
  const img = doc.createElement('img'); img.alt = data.alt || ''; img.src = data.png;
  wrap.appendChild(img);
  function place(el, b, pad) {
    pad = pad || 0;
    el.style.left = ((b[0] - pad) * 100) + '%'; el.style.top = ((b[1] - pad) * 100) + '%';
    el.style.width = ((b[2] - b[0] + 2 * pad) * 100) + '%'; el.style.height = ((b[3] - b[1] + 2 * pad) * 100) + '%';
  }
  const fieldBoxes = {};
  (data.boxes || []).forEach(function (box) {
    const el = doc.createElement('div'); el.className = 'bb-box'; el.style.borderColor = box.colour;
    place(el, box.bbox, 0.002); wrap.appendChild(el); fieldBoxes[box.field] = box.bbox;
  });
  const words = data.words || [];
  const wordEls = words.map(function (w, i) {
    const el = doc.createElement('div'); el.className = 'bb-word'; el.title = w[0]; el.dataset.i = String(i);
    place(el, [w[1], w[2], w[3], w[4]], 0.001); wrap.appendChild(el); return el;
  });
  const hl = doc.createElement('div'); hl.className = 'bb-hl'; wrap.appendChild(hl);
  const drag = doc.createElement('div'); drag.className = 'bb-drag'; wrap.appendChild(drag);
  scroll.appendChild(wrap); root.appendChild(scroll);
  const hint = doc.createElement('div'); hint.className = 'bb-hint'; root.appendChild(hint);

  const state = win.__bbPick = (win.__bbPick && win.__bbPick.task === task) ? win.__bbPick
    : {task: task, field: data.focus || null, filled: (win.__bbPick && win.__bbPick.filled) || {}};
  function fieldOf(el) {
    const box = el && el.closest ? el.closest('[class*="st-key-in-' + task + '-"]') : null;
    if (!box) return null;
    return (data.order || []).find(function (n) { return box.classList.contains('st-key-in-' + task + '-' + n); }) || null;
  }
  function show(name) {
    const b = fieldBoxes[name];
    hint.textContent = name ? (data.hint || '').replace('{field}', (data.titles || {})[name] || name) : '';
    if (!b) { hl.style.display = 'none'; return; }
    place(hl, b, 0.006); hl.style.display = 'block';
  }
  show(state.field);
  const active = doc.activeElement && fieldOf(doc.activeElement);
  if (active) { state.field = active; show(active); }
  if (win.__bbPickFocus) doc.removeEventListener('focusin', win.__bbPickFocus);
  win.__bbPickFocus = function (event) {
    const name = fieldOf(event.target);
    if (name && win.__bbPick && win.__bbPick.task === task) { win.__bbPick.field = name; show(name); }
  };
  doc.addEventListener('focusin', win.__bbPickFocus);

  function inputOf(name) {
    const box = doc.querySelector('.st-key-in-' + task + '-' + name);
    return box ? box.querySelector('input, textarea') : null;
  }
  // the value parsed by the server for the picked words: typed into the field, the cursor back in it
  const fill = data.fill;
  if (fill && fill.nonce && !state.filled[fill.nonce]) {
    state.filled[fill.nonce] = true;
    (function attempt(tries) {
      const el = inputOf(fill.field);
      if (!el) { if (tries < 40) setTimeout(function () { attempt(tries + 1); }, 50); return; }
      const proto = el.tagName === 'TEXTAREA' ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
      Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, fill.text);
      el.dispatchEvent(new Event('input', {bubbles: true}));
      el.focus(); el.select();
    })(0);
  }

  function point(event) {
    const r = wrap.getBoundingClientRect();
    return [(event.clientX - r.left) / r.width, (event.clientY - r.top) / r.height];
  }
  let start = null;
  function pick(indexes) {
    if (!indexes.length || !state.field) return;
    indexes.sort(function (a, b) { return a - b; });
    wordEls.forEach(function (el, i) { el.classList.toggle('bb-picked', indexes.indexOf(i) >= 0); });
    setTriggerValue('pick', {field: state.field, words: indexes.map(function (i) { return words[i][0]; }),
                             nonce: task + ':' + Date.now()});
  }
  wrap.onmousedown = function (event) {
    event.preventDefault();  // the cursor stays in the form's field
    start = point(event);
  };
  wrap.onmousemove = function (event) {
    if (!start) return;
    const p = point(event);
    place(drag, [Math.min(start[0], p[0]), Math.min(start[1], p[1]), Math.max(start[0], p[0]), Math.max(start[1], p[1])]);
    drag.style.display = 'block';
  };
  wrap.onmouseup = function (event) {
    if (!start) return;
    const p = point(event), s = start; start = null; drag.style.display = 'none';
    const r = wrap.getBoundingClientRect();
    const moved = Math.abs(p[0] - s[0]) * r.width + Math.abs(p[1] - s[1]) * r.height;
    if (moved < 6) {
      const target = event.target && event.target.classList && event.target.classList.contains('bb-word') ? event.target : null;
      if (target) pick([Number(target.dataset.i)]);
      return;
    }
    const x0 = Math.min(s[0], p[0]), x1 = Math.max(s[0], p[0]), y0 = Math.min(s[1], p[1]), y1 = Math.max(s[1], p[1]);
    const inside = [];
    words.forEach(function (w, i) {
      const cx = (w[1] + w[3]) / 2, cy = (w[2] + w[4]) / 2;
      if (cx >= x0 && cx <= x1 && cy >= y0 && cy <= y1) inside.push(i);
    });
    pick(inside);
  };
  wrap.onmouseleave = function () { start = null; drag.style.display = 'none'; };
}
"""

_KEYS_JS = r"""
export default function (component) {
  const data = component.data || {};
  const win = window, doc = document;
  if (!win.__bbKeys || win.__bbKeys.version !== 3) { __KEYBOARD__ }
  win.__bbNext = {task: data.task, keys: data.doubtful || []};
  if (!win.__bbNextInstalled) {  // Alt+J: the cursor to the next field needing a look (round)
    win.__bbNextInstalled = true;
    doc.addEventListener('keydown', function (e) {
      if (!e.altKey || e.ctrlKey || e.metaKey || e.code !== 'KeyJ') return;
      const keys = (win.__bbNext && win.__bbNext.keys) || [];
      if (!keys.length) return;
      e.preventDefault(); e.stopImmediatePropagation();
      const here = doc.activeElement ? keys.findIndex(function (k) {
        return doc.activeElement.closest && doc.activeElement.closest('.st-key-' + k); }) : -1;
      for (let step = 1; step <= keys.length; step++) {
        const box = doc.querySelector('.st-key-' + keys[(here + step) % keys.length]);
        const el = box ? box.querySelector('input, textarea') : null;
        if (el) { el.focus(); if (el.select) el.select(); return; }
      }
    }, true);
  }
  if (!win.__bbEnterInstalled) {
    // Enter in a field of a validation form saves it by its button: Streamlit's own Enter only submits
    // when React saw the field take the focus, and a field focused while the page settles can miss that.
    // It listens on the window, before the held-keys script: an Enter in a form still on screen after a
    // save that never arrived saves again (the page ignores a second save of a form no longer shown)
    win.__bbEnterInstalled = true;
    win.addEventListener('keydown', function (e) {
      if (e.key !== 'Enter' || e.isComposing || e.shiftKey || e.ctrlKey || e.metaKey || e.altKey) return;
      const el = e.target;
      if (!el || el.tagName !== 'INPUT' || el.type === 'checkbox' || !el.closest('[class*="st-key-in-"]')) return;
      const form = el.closest('[data-testid="stForm"]');  // a validation form: it carries the task's marker
      const mark = form ? form.querySelector('.bb-target') : null;
      const submit = mark ? form.querySelector('[data-testid="stFormSubmitButton"] button') : null;
      if (!submit || submit.disabled) return;
      e.preventDefault(); e.stopImmediatePropagation();
      const keys = win.__bbKeys;
      if (keys && keys.task && mark.dataset.task === keys.task) {  // keys typed from now on: the next document's
        keys.pending = true; keys.since = Date.now(); keys.buffer = '';
      }
      submit.click();
    }, true);
  }
  if (!win.__bbMarkInstalled) {
    // the form carries a marker naming its task and first field: the cursor lands as soon as the form
    // is on the page, without waiting for the rest of the page (or this component) to arrive
    win.__bbMarkInstalled = true;
    const seen = win.__bbSeen = win.__bbSeen || {};  // a form counts once: the last one's, still on screen a moment, never again
    new MutationObserver(function () {
      const keys = win.__bbKeys;
      if (!keys) return;
      doc.querySelectorAll('.bb-target[data-task]').forEach(function (mark) {
        const task = mark.dataset.task;
        if (seen[task]) return;
        seen[task] = true;
        if (task !== keys.task) keys.want(task, mark.dataset.target || null);
      });
    }).observe(doc.body, {childList: true, subtree: true});
  }
  // this component's data may arrive late, after the next form's marker: a task once left never comes back
  const task = data.task === undefined ? null : data.task, seen = win.__bbSeen = win.__bbSeen || {};
  if (task === null || task === win.__bbKeys.task || !seen[task]) {
    if (task !== null) seen[task] = true;
    win.__bbKeys.want(task, data.target === undefined ? null : data.target);
  }
}
""".replace("__KEYBOARD__", _KEYBOARD_JS)

_viewer = st.components.v2.component("boekbrug.page_viewer", html=_VIEWER_HTML, css=_VIEWER_CSS, js=_VIEWER_JS)
_keys = st.components.v2.component("boekbrug.keyboard", js=_KEYS_JS)


def png_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def page_viewer(png: bytes, words: Sequence[api.PageWord], fields: Sequence[api.TaskField], *, page: int,
                task_key: str, focus: str | None, order: Sequence[str], zoom: float, fill: dict[str, Any] | None,
                hint: str, alt: str, key: str, on_pick: Callable[[], None]) -> Any:
    """Mount the viewer; ``on_pick`` runs (as a callback) when words were picked: ``st.session_state[key]["pick"]``."""
    boxes = [{"field": f.name, "colour": STATE_COLOURS.get(f.state, ("#000000", ""))[0], "bbox": list(f.bbox)}
             for f in fields if f.bbox is not None and (f.page or 1) == page]
    data = {
        "task": task_key, "png": png_url(png), "alt": alt, "zoom": zoom, "focus": focus, "order": list(order),
        "boxes": boxes, "words": [[w.text, *(round(c, 5) for c in w.bbox)] for w in words],
        "titles": {name: field_title(name) for name in order}, "hint": hint, "fill": fill,
    }
    return _viewer(key=key, data=json.loads(json.dumps(data, default=str)), on_pick_change=on_pick, height="content")


def target_marker(task_key: str, target_key: str | None) -> None:
    """Inside the form: names its task and the field the cursor goes to (read by the keyboard script)."""
    st.markdown(f'<span class="bb-target" data-task="{html.escape(task_key)}" '
                f'data-target="{html.escape(target_key or "")}"></span>', unsafe_allow_html=True)


def keyboard(task_key: str | None, target_key: str | None, doubtful_keys: Sequence[str] = ()) -> None:
    """Put the cursor in ``target_key`` of the form of ``task_key`` (once per task version); Alt+J walks
    ``doubtful_keys``. ``task_key`` None (no form on screen): keys typed now are nobody's."""
    _keys(key="wb-keyboard", data={"task": task_key, "target": target_key, "doubtful": list(doubtful_keys)},
          height="content")
