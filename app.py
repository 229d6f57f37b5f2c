"""The Streamlit app. It only draws: everything it shows comes from the rubric and grader packages."""

from __future__ import annotations

import random
from pathlib import Path

from interview_grader.offline import enforce_offline

enforce_offline()

import streamlit as st  # noqa: E402

from rubric.bank import load_default_bank  # noqa: E402
from rubric.index import NoMatchingRubric, RubricIndex, open_index  # noqa: E402
from rubric.model import Question  # noqa: E402

# Local images only: Streamlit's ":material/...:" icons load a font from Google.
ASSETS = Path(__file__).with_name("assets")
INTERVIEWER = ASSETS / "interviewer.svg"

st.set_page_config(page_title="Mock interview practice", page_icon=str(INTERVIEWER), layout="centered")


@st.cache_resource(show_spinner="Opening the rubric index…")
def rubric_index() -> RubricIndex:
    return open_index(load_default_bank())


def md(text: str) -> str:
    """Bank and user text shown as markdown: keep '$' from starting LaTeX."""
    return text.replace("$", "\\$")


def show_rubric(question: Question) -> None:
    with st.expander("What a strong answer covers", expanded=False):
        for point in question.points:
            example = f" — e.g. {', '.join(point.examples)}" if point.examples else ""
            same = point.label.lower() == point.text.lower()
            st.markdown(md(f"- {point.text}{example}" if same else f"- **{point.label}**: {point.text}{example}"))


def choose_question(index: RubricIndex) -> None:
    bank = index.bank
    sections = bank.sections()
    with st.sidebar:
        st.header("Practice")
        st.caption("Grader: **offline grader** (embedded default, no API key, nothing leaves this machine)")
        labels = ["Random question", *[f"{n}. {title}" for n, title in sections.items()]]
        choice = st.selectbox("Section", labels, key="section_choice")
        if st.button("Ask me a question", type="primary", use_container_width=True):
            pool = bank.questions
            if choice != labels[0]:
                number = int(choice.split(".", 1)[0])
                pool = [q for q in bank.questions if q.section == number]
            st.session_state.question_id = random.choice(pool).id
            st.session_state.own_question_miss = None
        st.divider()
        own = st.text_input("…or type your own question", key="own_question")
        if st.button("Find its rubric", use_container_width=True) and own.strip():
            try:
                st.session_state.question_id = index.match(own).question.id
                st.session_state.own_question_miss = None
            except NoMatchingRubric as miss:
                st.session_state.own_question_miss = miss


def main() -> None:
    st.title("Mock interview practice")
    st.info(
        "A practice tool. Grades are a recommendation from an automated grader, not a hiring decision.",
        icon="ℹ️",
    )
    index = rubric_index()
    choose_question(index)
    miss: NoMatchingRubric | None = st.session_state.get("own_question_miss")
    if miss is not None:
        st.warning("No matching rubric for that question. The closest questions in the bank are:")
        for m in miss.suggestions:
            st.markdown(md(f"- {m.question.text} _(section {m.question.section}: {m.question.section_title})_"))
        return
    question_id = st.session_state.get("question_id")
    if not question_id:
        st.write("Pick a section (or random) in the sidebar and press **Ask me a question**.")
        return
    question = index.bank.get(question_id)
    with st.chat_message("assistant", avatar=str(INTERVIEWER)):
        st.caption(md(f"Section {question.section}: {question.section_title} · {question.id}"))
        st.markdown(md(f"**{question.text}**"))
    show_rubric(question)


main()
