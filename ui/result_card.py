"""The result card: score bar, evidence highlighted in the answer, covered / partial / missed points, feedback,
and a badge saying which grader produced it."""

from __future__ import annotations

import streamlit as st

from grader.result import GradeResult
from rubric.model import Question
from screening.markdown_escape import md
from ui.text import highlighted_answer

VERDICT_STYLE = {
    "covered": ":green[**Covered**]",
    "partial": ":orange[**Partial**]",
    "missed": ":red[**Missed**]",
    "contradicted": ":violet[**Contradicted**]",
}


def grader_badge(result: GradeResult) -> str:
    m = result.meta
    if m.grader == "offline":
        return f"Offline grader (embedded default, no LLM: {m.model})"
    return f"LLM grader: {m.model}"


def short_badge(result: GradeResult) -> str:
    """Which grader, in words a learner reads (the model's name is in Details)."""
    if result.meta.grader == "offline":
        return "Offline grader (embedded default, no LLM)"
    return f"LLM grader: {result.meta.model}"


def user_answer(answer: str, result: GradeResult | None) -> None:
    """The candidate's answer, once: with the evidence marked and set-aside parts struck through when graded."""
    if not answer.strip():
        st.markdown("_(empty answer)_")
    elif result is not None and (not result.abstained or result.set_aside):
        st.markdown(highlighted_answer(answer, result), unsafe_allow_html=True)
    else:
        st.markdown(md(answer))


def render_result(result: GradeResult, question: Question, change: str | None = None, key: str = "") -> None:
    """The verdicts for a learner: score, points with their evidence, feedback; the grader's workings (model,
    prompt hash, tokens, per-point reasons) in a collapsed "Details"."""
    # Keyed by the attempt: the same answer sent twice may get the same (cached) grade, but is another card.
    with st.container(border=True, key=key or f"result-{result.meta.answer_sha256[:8]}-{result.meta.graded_at}"):
        st.caption(md(short_badge(result)))
        if result.abstained:
            st.warning(f"Not graded: {result.abstain_reason}. Nothing is counted for or against you.")
        else:
            counts = result.counts()
            contradicted = f", {counts['contradicted']} contradicted" if counts["contradicted"] else ""
            st.progress(
                result.score / 100,
                text=f"Score {result.score}/100 · {counts['covered']} covered, {counts['partial']} partial, "
                f"{counts['missed']} missed{contradicted}",
            )
            if change:
                st.markdown(f"**{md(change[0].upper() + change[1:])}**")
            for p in result.points:
                quote = f" — “{md(p.evidence[0].text)}”" if p.evidence else ""
                st.markdown(f"{VERDICT_STYLE[p.verdict]} {md(p.label)}{quote}")
                if p.verdict == "partial":  # what is missing: the point as a full answer states it
                    st.caption(md(f"A full answer says: {question.point(p.point_id).text}"))
        st.info(md(result.feedback))
        with st.expander("Details"):
            m = result.meta
            cost = "" if m.cost_usd is None else f" · ${m.cost_usd:.5f}"
            rejected = f" · {m.rejected_claims} claims rejected by verification" if m.rejected_claims else ""
            st.caption(md(grader_badge(result)))
            st.caption(
                md(
                    f"{m.grader} · {m.model} · {m.prompt_name}@{m.prompt_hash} · {m.latency_ms:.0f} ms"
                    f" · tokens {m.tokens_in}/{m.tokens_out}{cost} · bank {m.bank_version or '–'}"
                    f"{rejected}"
                )
            )
            for p in result.points:
                if p.reason:
                    st.caption(md(f"{p.label}: {p.verdict}, {p.reason}"))


def render_outline(question: Question) -> None:
    with st.expander("What a strong answer covers"):
        for point in question.points:
            example = f" — e.g. {', '.join(point.examples)}" if point.examples else ""
            st.markdown("- " + md(f"{point.label}: {point.text}{example}"))
