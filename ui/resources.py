"""Heavy, shared resources, created once per server process, and the services pages call. None of them is keyed
by a secret. The settings are read here, once per resource, and passed down."""

from __future__ import annotations

import streamlit as st

from config.settings import get_settings
from grader.base import Grader
from grader.cache import GradeCache
from practice.chat import PracticeChat
from practice.session import PracticeSession
from rubric.bank import load_default_bank
from rubric.index import RubricIndex, open_index
from rubric.model import Bank
from screening.worker import BackgroundGrader
from store.bank_versions import FILE_AUTHOR, BankFollower, StoredBank
from store.db import Database
from store.practice_store import PracticeStore


@st.cache_resource(show_spinner="Reading the question bank…")
def bank_follower() -> BankFollower:
    """The configured bank as the database holds it: every replica follows the same latest version."""
    return BankFollower(database(), load_default_bank, FILE_AUTHOR)


@st.cache_resource(show_spinner="Opening the rubric index…", max_entries=2)
def _index_of(bank_id: str, version: int, _bank: Bank) -> RubricIndex:
    return open_index(_bank)


def current_bank() -> StoredBank:
    return bank_follower().current()


def rubric_index() -> RubricIndex:
    """The index of the bank's latest version: an edit saved on any replica reaches this one on its next run."""
    stored = current_bank()
    return _index_of(stored.info.bank_id, stored.info.version, stored.bank)


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
    from screening.grading_worker import run_jobs

    db, follower = database(), bank_follower()
    store = PracticeStore(db)
    settings = get_settings()

    def bank_named(bank_id: str) -> Bank | None:
        current = follower.current().bank
        return current if bank_id == current.id else None

    def more_work() -> int:
        """Re-grade jobs (a replica helps the workers, and a single app needs none), then practice grades a
        restart cut off."""
        jobs = run_jobs(db, grader_for, concurrency=settings.concurrency)
        return jobs.graded + jobs.failed + recover_stranded(store, bank_named, grader_for(settings.grader))

    return BackgroundGrader(db, grader_for, concurrency=settings.concurrency, also=more_work).start()
