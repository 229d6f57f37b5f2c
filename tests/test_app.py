"""The practice app, driven with AppTest: every flow, grading with a scripted judge behind the real pipeline
(so the verdicts are the test's, not the offline matcher's), and the LLM path through a fake server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.fake_openai import FakeOpenAI, Reply, fake_openai
from tests.scripted_judge import ScriptedJudge

pytestmark = pytest.mark.usefixtures("scripted")

APP = str(Path(__file__).resolve().parents[1] / "app.py")
GOOD_Q06 = (
    "I would stream the card transactions through Kafka into the scoring service, serve the ONNX model from "
    "Triton for low latency, and put an API gateway in front for auth."
)


def _app(learner: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["learner"] = learner or f"tester-{uuid.uuid4().hex[:8]}"
    at.run()
    assert not at.exception, at.exception
    return at


def _ask(at: AppTest, question_id: str) -> None:
    """Start a given question the way the own-question box does, through the rubric index."""
    at.sidebar.text_input(key="own_question").set_value(question_id).run()
    _button(at.sidebar, "Find its rubric").click().run()
    assert _chat(at).question_id == question_id


def _chat(at: AppTest) -> object:
    return at.session_state["practice_chat"]


def _button(where: object, label: str) -> object:
    return next(b for b in where.button if b.label == label)  # type: ignore[attr-defined]


def _answer(at: AppTest, text: str) -> None:
    at.chat_input[0].set_value(text).run()
    assert not at.exception, at.exception


def _texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [w.value for w in at.warning]
    parts += [e.value for e in at.error] + [i.value for i in at.info]
    return "\n".join(str(p) for p in parts)


def test_start_page_greets_asks_at_once_and_names_the_offline_grader() -> None:
    at = _app()
    assert any("practice tool" in c.value and "recommendation" in c.value for c in at.caption)
    assert at.sidebar.radio(key="grader_choice").value == "offline"
    assert any("no API key" in c.value for c in at.sidebar.caption)
    # The first screen greets and asks a question in the chat, and the answer box is open at once.
    assert [m.name for m in at.chat_message] == ["assistant"]
    first = at.chat_message[0]
    assert "practice interviewer" in first.markdown[0].value
    question = _chat(at).question_id
    assert question and question in first.caption[-1].value
    assert at.chat_input and at.chat_input[0].placeholder == "Your answer"


def test_section_question_answer_and_result_card() -> None:
    at = _app()
    next(b for b in at.sidebar.selectbox if b.label == "Section").set_value(2).run()
    at.sidebar.button[0].click().run()
    question_id = _chat(at).question_id
    assert at.chat_message[0].name == "assistant"
    assert "Section 2: System Design & APIs" in at.chat_message[0].caption[0].value
    _ask(at, "q06")
    assert "Matched to: Design a fraud detection API" in at.chat_message[0].caption[0].value
    _answer(at, GOOD_Q06)
    assert [m.name for m in at.chat_message] == ["assistant", "user", "assistant"]
    # the answer is shown once, in the candidate's bubble, with the evidence marked in place
    user_bubble = "\n".join(m.value for m in at.chat_message[1].markdown)
    assert '<mark style="background:#c8f0cf' in user_bubble
    assert not any("<mark" in m.value for m in at.chat_message[2].markdown)
    text = _texts(at)
    assert "Offline grader (embedded default, no LLM)" in text
    # developer details sit in a collapsed "Details"
    details = at.chat_message[2].expander[0]
    assert details.label == "Details" and any("@" in c.value for c in details.caption)
    assert not any("tokens" in c.value for c in at.chat_message[2].caption if c not in details.caption)
    assert ":green[**Covered**] stream ingestion" in text
    assert '<mark style="background:#c8f0cf' in text and "Kafka" in text
    assert ":red[**Missed**] Redis caching" in text
    assert "Add:" in text
    assert [b.label for b in at.button][:3] == ["Probe me on a missed point", "Try again", "Next question"]
    assert question_id  # the section pick worked before the explicit question


def test_probe_on_a_missed_point_updates_the_verdicts() -> None:
    at = _app()
    _ask(at, "q06")
    _answer(at, GOOD_Q06)
    at.button[0].click().run()  # probe
    probe = at.chat_message[-1].markdown[0].value
    assert "Redis caching" in probe or "One thing you didn't get into" in probe
    assert _chat(at).phase == "probe"
    _answer(at, "I would keep the hot per-card features in a Redis cache next to the model server.")
    text = _texts(at)
    assert "Follow-up on **Redis caching**: :green[**Covered**]" in text
    table = at.dataframe[-1].value
    row = table[table["key point"] == "Redis caching"].iloc[0]
    assert (row["first answer"], row["with the follow-up"]) == ("missed", "covered")


def test_try_again_shows_the_previous_score_and_keeps_both_attempts() -> None:
    at = _app()
    _ask(at, "q09")
    _answer(at, "We cache embeddings so a document is never embedded twice.")
    at.button[1].click().run()  # try again
    assert "Try again: answer the same question once more." in _texts(at)
    _answer(at, "We cache embeddings, cache model outputs for repeated prompts, and deduplicate identical requests.")
    # the earlier attempt stays in the conversation, and the new card says what changed
    assert [m.name for m in at.chat_message] == ["assistant", "user", "assistant", "assistant", "user", "assistant"]
    change = next(m.value for m in at.chat_message[5].markdown if "since your last try" in m.value)
    assert change.startswith("**\\+") and "newly covered: output caches" in change
    from ui.resources import practice_store

    store = practice_store()
    history = store.history(at.session_state["learner_id"], "q09")
    assert [r.kind for r in history] == ["answer", "retry"]
    assert history[1].parent_id == history[0].id
    assert history[1].grade is not None and history[1].grade.score > history[0].grade.score  # type: ignore[union-attr]


def test_next_question_moves_on() -> None:
    at = _app()
    _ask(at, "q09")
    _answer(at, "We cache embeddings so a document is never embedded twice.")
    at.button[2].click().run()
    assert _chat(at).question_id != "q09"
    assert _chat(at).phase == "answer"
    assert [m.name for m in at.chat_message] == ["assistant"]


def test_own_question_without_a_rubric_offers_the_closest_sections() -> None:
    at = _app()
    at.sidebar.text_input(key="own_question").set_value("What is your favourite colour?").run()
    _button(at.sidebar, "Find its rubric").click().run()
    assert "No matching rubric" in at.warning[0].value
    section_buttons = [b for b in at.button if b.label.startswith("Practise section")]
    assert section_buttons
    before = _chat(at).question_id
    section_buttons[0].click().run()
    assert _chat(at).question_id and not any("No matching rubric" in w.value for w in at.warning)
    assert before is not None


def test_an_answer_with_nothing_to_grade_gets_an_honest_message() -> None:
    at = _app()
    _ask(at, "q09")
    _answer(at, "asdkj qwpoe zmxnc qweoiu lkjhg")
    assert any("Not graded: garbled" in w.value for w in at.warning)
    assert not at.get("progress")  # no score bar for an abstained grade


def _use_fake_llm(at: AppTest, server: FakeOpenAI, key: str = "sk-test-123456") -> None:
    at.sidebar.radio(key="grader_choice").set_value("compatible").run()
    at.sidebar.text_input(key="grader_model").set_value("fake-model").run()
    at.sidebar.text_input(key="grader_base_url").set_value(server.base_url).run()
    at.sidebar.text_input(key="api_key_input").set_value(key).run()


def good_reply(request: dict) -> dict:
    return {
        "points": [
            {"point_id": "q09.1", "evidence_quote": "We cache embeddings", "reason": "stated", "verdict": "covered"},
            {"point_id": "q09.2", "evidence_quote": "", "reason": "absent", "verdict": "missed"},
            {"point_id": "q09.3", "evidence_quote": "", "reason": "absent", "verdict": "missed"},
        ]
    }


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with fake_openai() as s:
        yield s


def test_llm_grader_through_an_openai_compatible_server(server: FakeOpenAI) -> None:
    at = _app()
    _use_fake_llm(at, server, key="sk-secret-abcdef")
    assert at.sidebar.text_input(key="api_key_input").value == ""  # never shown back
    assert any("API key is set" in c.value for c in at.sidebar.caption)
    _ask(at, "q09")
    server.push(Reply(good_reply))
    _answer(at, "We cache embeddings so a document is never embedded twice.")
    text = _texts(at)
    assert "LLM grader: fake-model" in text and ":green[**Covered**] embedding caches" in text
    assert "sk-secret-abcdef" not in text
    assert server.requests[0]["model"] == "fake-model"
    # The key is sent to the server and nowhere else: not in the database, the grade cache or session state.
    from config.settings import get_settings

    for path in get_settings().data_home().glob("*.db*"):
        assert b"sk-secret-abcdef" not in path.read_bytes(), path
    for path in get_settings().data_home().glob("grade-cache.sqlite*"):
        assert b"sk-secret-abcdef" not in path.read_bytes(), path
    visible = {k: v for k, v in at.session_state.items() if not k.startswith("_")}
    assert "sk-secret-abcdef" not in repr(visible)


def test_a_grader_failure_keeps_the_answer_and_can_be_retried(scripted: ScriptedJudge) -> None:
    at = _app()
    _ask(at, "q09")
    scripted.fail(1)
    # A new answer text: a repeated (rubric, answer, grader, model, prompt) would come from the grade cache.
    answer = f"We cache embeddings so a document is never embedded twice ({uuid.uuid4().hex[:6]})."
    _answer(at, answer)
    assert any("Grading failed, your answer is saved" in e.value for e in at.error)
    from ui.resources import practice_store

    record = practice_store().history(at.session_state["learner_id"], "q09")[-1]
    assert record.status == "failed" and record.answer == answer
    next(b for b in at.button if b.label == "Retry grading").click().run()
    retried = practice_store().attempt(record.id)
    assert retried.status == "graded" and retried.grade is not None and retried.grade.meta.judge == "scripted"
    assert ":green[**Covered**] embedding caches" in _texts(at)


def test_progress_page_shows_coverage_missed_points_and_untried_questions() -> None:
    at = _app()
    _ask(at, "q09")
    _answer(at, "We cache embeddings so a document is never embedded twice.")
    _ask(at, "q06")
    _answer(at, GOOD_Q06)
    at.switch_page("ui/page_scripts/progress.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Your progress"
    assert at.get("vega_lite_chart"), "the coverage chart is drawn"
    missed = at.dataframe[0].value
    assert "Redis caching" in set(missed["key point"]) and "output caches" in set(missed["key point"])
    assert any("Never tried (48 of 50)" in h.value for h in at.subheader)
    at.button[0].click().run()  # practise the weakest question
    assert not at.exception, at.exception
    assert _chat(at).question_id in ("q06", "q09")
    assert _chat(at).phase == "answer"


def test_a_probe_reply_that_was_not_graded_does_not_say_missed() -> None:
    at = _app()
    _ask(at, "q06")
    _answer(at, GOOD_Q06)
    at.button[0].click().run()  # probe
    _answer(at, "Idk")
    reply = "\n".join(str(w.value) for w in at.chat_message[-1].warning)
    assert "not graded" in reply
    assert not any("Missed" in m.value for m in at.chat_message[-1].markdown)


def test_an_answer_over_the_limit_is_kept_and_says_how_far_over() -> None:
    at = _app()
    _ask(at, "q09")
    long_answer = "We cache embeddings. " * 1500  # 31,500 characters
    _answer(at, long_answer)
    message = at.error[0].value
    assert "31,500 characters, 11,500 over the 20,000-character limit" in message
    kept = next(t for t in at.text_area if t.label == "Your answer (not sent)")
    assert kept.value == long_answer
    from ui.resources import practice_store

    assert practice_store().history(at.session_state["learner_id"], "q09") == []  # nothing saved, nothing lost


def test_abstained_attempts_stay_out_of_the_progress_chart_and_the_name_persists() -> None:
    at = _app(learner="persisting-learner")
    _ask(at, "q09")
    _answer(at, "We cache embeddings so a document is never embedded twice.")
    _ask(at, "q06")
    _answer(at, "Idk")
    at.switch_page("ui/page_scripts/progress.py").run()
    assert any("'persisting-learner'" in c.value for c in at.caption)
    from ui.resources import practice_store

    store = practice_store()
    progress = store.progress(at.session_state["learner_id"], _bank())
    assert [question for _, _, question, _ in progress.timeline] == ["q09"]  # the "Idk" is not a 0
    at.switch_page("ui/page_scripts/practice.py").run()
    assert at.sidebar.text_input[0].value == "persisting-learner"


def _bank() -> object:
    from ui.resources import rubric_index

    return rubric_index().bank
