"""Recruiters edit a bank question's wording and key points. A save becomes the bank's next version for every
replica; a save made on a version someone else replaced meanwhile is refused, and the recruiter keeps their
text, sees what won, and can apply their text to it."""

from __future__ import annotations

import streamlit as st

from screening import bank_edits
from screening.markdown_escape import md
from ui.recruiter_auth import require_recruiter
from ui.resources import current_bank, database

HELP = "One key point per line: a short label, a bar, then what a good answer says (`label | what it says`)."


def _base_key(qid: str) -> str:
    return f"rubric-base-{qid}"


def _open(qid: str, base: bank_edits.VersionInfo, text: str, points: str) -> None:
    """Start editing ``qid`` on version ``base``, with the given text in the editor."""
    st.session_state[_base_key(qid)] = base
    st.session_state[f"rubric-text-{qid}"] = text
    st.session_state[f"rubric-points-{qid}"] = points


def _history(bank_id: str) -> None:
    with st.expander("Versions of this bank"):
        for v in reversed(bank_edits.history(database(), bank_id)):
            made_on = f"edited from v{v.based_on}" if v.based_on else "first version"
            note = f": {v.note}" if v.note else ""
            st.markdown(md(f"v{v.version} · {v.created_at:%Y-%m-%d %H:%M} UTC · {v.author} · {made_on}{note}"))


def render() -> None:
    recruiter = require_recruiter()
    st.title("Rubrics")
    stored = current_bank()
    latest, bank = stored.info, stored.bank
    st.caption(
        md(f"{bank.title} · version {latest.version}, saved by {latest.author} on {latest.created_at:%Y-%m-%d}")
        + " · a saved edit is used for new grades at once; re-grade a screen on the Review page to apply it to "
        "answers graded before."
    )
    labels = {q.id: f"{q.id}: {q.text}" for q in bank.questions}
    qid = st.selectbox("Question (type to search)", list(labels), format_func=labels.__getitem__, key="rubric_q")
    assert qid is not None
    if _base_key(qid) not in st.session_state:
        _open(qid, latest, *bank_edits.editor_text(bank.get(qid)))
    base: bank_edits.VersionInfo = st.session_state[_base_key(qid)]
    if base.version != latest.version:
        st.info(
            f"You are editing version {base.version}; the bank is now at version {latest.version}. "
            "Saving will be refused until you apply your text to the latest version."
        )
    st.text_area("Question", key=f"rubric-text-{qid}", height=80)
    st.text_area("Key points", key=f"rubric-points-{qid}", height=220, help=HELP)
    cols = st.columns(2)
    cols[0].button(
        "Save as a new version",
        type="primary",
        key=f"rubric-save-{qid}",
        on_click=_save,
        args=(qid, base, recruiter.email),
    )
    cols[1].button(
        "Discard my changes",
        key=f"rubric-reset-{qid}",
        on_click=_open,
        args=(qid, latest, *bank_edits.editor_text(bank.get(qid))),
    )
    kind, message = st.session_state.pop(f"rubric-said-{qid}", ("", ""))
    if kind:
        getattr(st, kind)(message)
    winner: bank_edits.VersionInfo | None = st.session_state.get(f"rubric-conflict-{qid}")
    if winner is not None:
        st.markdown(f"**Version {winner.version}, which won,** has this for the question:")
        won_text, won_points = bank_edits.editor_text(bank.get(qid))
        st.code(f"{won_text}\n\n{won_points}", language=None)
        st.button(
            f"Apply my text to version {latest.version}",
            key=f"rubric-rebase-{qid}",
            on_click=_rebase,
            args=(qid, latest),
        )
    _history(bank.id)


def _rebase(qid: str, latest: bank_edits.VersionInfo) -> None:
    st.session_state[_base_key(qid)] = latest
    st.session_state.pop(f"rubric-conflict-{qid}", None)


def _save(qid: str, base: bank_edits.VersionInfo, author: str) -> None:
    """The Save button's callback: what happened is said on the run it starts."""
    said = f"rubric-said-{qid}"
    text, points = st.session_state[f"rubric-text-{qid}"], st.session_state[f"rubric-points-{qid}"]
    try:
        saved = bank_edits.save_question_edit(database(), base, qid, text, points, author)
    except bank_edits.EditError as err:
        st.session_state[said] = ("error", f"{err}. Nothing was saved; your text is still here.")
    except bank_edits.BankConflict as err:
        st.session_state[said] = ("error", f"{err} Your text is still in the editor.")
        st.session_state[f"rubric-conflict-{qid}"] = err.latest
    else:
        if saved.info.version == base.version:
            st.session_state[said] = ("info", "Nothing changed, so nothing was saved.")
            return
        st.session_state.pop(f"rubric-conflict-{qid}", None)
        st.session_state[_base_key(qid)] = saved.info
        st.session_state[said] = ("success", f"Saved as version {saved.info.version}.")
