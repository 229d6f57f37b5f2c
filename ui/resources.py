"""Heavy, shared resources, created once per server process, and the services pages call. None of them is keyed
by a secret. The settings are read here, once per resource, and passed down."""

from __future__ import annotations

import streamlit as st

from config.settings import get_settings
from grader.base import Grader
from grader.cache import GradeCache
from practice.chat import PracticeChat
from practice.session import PracticeSession
from rubric.index import RubricIndex, open_index
from rubric.model import Bank
from screening.worker import BackgroundGrader
from store.db import Database
from store.practice_store import PracticeStore


@st.cache_resource(show_spinner="Opening the rubric index…")
def rubric_index() -> RubricIndex:
    return open_index()


def bank() -> Bank:
    return rubric_index().bank


@st.cache_resource(show_spinner="Opening the database…")
def database() -> Database:
    return Database()


@st.cache_resource(show_spinner="Loading the offline grader…")
def offline_grader() -> Grader:
    from grader.service import offline_grader as embedded_default

    return embedded_default().with_cache(grade_cache())


@st.cache_resource
def grade_cache() -> GradeCache:
    from grader.service import default_cache

    return default_cache()


def practice_store() -> PracticeStore:
    return PracticeStore(database())


def practice_session(chat: PracticeChat, learner_id: int | None) -> PracticeSession:
    """The practice service for one browser session's conversation."""
    return PracticeSession(practice_store(), rubric_index(), chat, learner_id)


@st.cache_resource
def background_grader() -> BackgroundGrader:
    """One grading thread per app process. It grades screen answers, and picks up practice answers whose
    grading a killed or restarted process cut off (graded with the server's default grader)."""
    from practice.service import recover_stranded
    from screening.graders import grader_for

    db, index = database(), rubric_index()
    store = PracticeStore(db)
    settings = get_settings()

    def recover_practice() -> int:
        return recover_stranded(
            store, lambda bank_id: index.bank if bank_id == index.bank.id else None, grader_for(settings.grader)
        )

    return BackgroundGrader(db, grader_for, concurrency=settings.concurrency, also=recover_practice).start()
