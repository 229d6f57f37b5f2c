"""The Streamlit app, driven with AppTest on the shipped bank."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def test_start_page_says_it_is_practice_and_names_the_offline_grader() -> None:
    at = _app()
    assert "practice tool" in at.info[0].value
    assert any("offline grader" in c.value for c in at.sidebar.caption)


def test_a_section_question_arrives_as_the_interviewers_message() -> None:
    at = _app()
    at.sidebar.selectbox[0].set_value("7. Security & Compliance").run()
    at.sidebar.button[0].click().run()
    assert not at.exception
    message = at.chat_message[0]
    assert message.name == "assistant"
    assert "Section 7: Security & Compliance" in message.caption[0].value
    assert at.expander[0].label == "What a strong answer covers"


def test_own_question_is_matched_or_refused_with_suggestions() -> None:
    at = _app()
    at.sidebar.text_input[0].set_value("How do you stop prompt injection in a RAG app?").run()
    at.sidebar.button[1].click().run()
    assert "How do you prevent prompt injection in RAG systems?" in at.chat_message[0].markdown[0].value

    at.sidebar.text_input[0].set_value("What is your favourite colour?").run()
    at.sidebar.button[1].click().run()
    assert "No matching rubric" in at.warning[0].value
    assert len(at.markdown) >= 3
