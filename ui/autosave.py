"""Drafts that save while the candidate types, not only when the text box loses focus.

Streamlit sends a text area's value to the server when it loses focus or on Ctrl+Enter. A small script in the
page (``st.html`` with JavaScript, our own code, no user text in it) watches the labelled text area and, when its
text has changed and the candidate has paused for a moment, sends the value the same way Ctrl+Enter does, so the
page's usual on-change handler saves the draft. The script keeps one timer per page, whatever the reruns.
"""

from __future__ import annotations

import json

import streamlit as st

SAVE_EVERY_MS = 3000

_SCRIPT = """
<script>
(() => {
  const label = %(label)s;
  const every = %(every)d;
  const w = window;
  if (w.__autosave && w.__autosave.label === label) return;
  if (w.__autosave) clearInterval(w.__autosave.timer);
  // "sent" starts unknown, so text typed before the first tick is sent too (sending a value the server
  // already has changes nothing).
  const state = {label: label, sent: undefined, changedAt: Date.now(), seen: undefined};
  state.timer = setInterval(() => {
    const box = document.querySelector('textarea[aria-label="' + label + '"]');
    if (!box) return;
    if (box.value !== state.seen) { state.seen = box.value; state.changedAt = Date.now(); return; }
    if (box.value !== state.sent && Date.now() - state.changedAt >= every / 2) {
      state.sent = box.value;
      box.dispatchEvent(new KeyboardEvent("keydown", {key: "Enter", code: "Enter", ctrlKey: true, bubbles: true}));
    }
  }, every / 3);
  w.__autosave = state;
})();
</script>
"""

_HIDE_HINTS = "<style>[data-testid='InputInstructions'] { display: none; }</style>"


def autosave(label: str, every_ms: int = SAVE_EVERY_MS) -> None:
    """Commit the text area labelled ``label`` every ``every_ms`` while its text changes."""
    st.html(_SCRIPT % {"label": json.dumps(label), "every": every_ms}, unsafe_allow_javascript=True)


def hide_input_hints() -> None:
    """No "Press Ctrl+Enter to apply" under the text box: drafts save by themselves."""
    st.html(_HIDE_HINTS)
