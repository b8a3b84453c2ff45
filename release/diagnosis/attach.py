"""Attach a diagnosis to a finished outcome: the same for both engines, given how each finds green.

Each engine only knows how to build the ``Subject`` (what green is) from its own deployment;
the rest (skip a success, never let a failed diagnosis hide the outcome) lives here once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from release.core.outcome import Outcome
from release.diagnosis.render import Diagnosis, diagnose
from release.diagnosis.sources import Clients, Subject, error_text

SubjectOf = Callable[[Clients, Outcome], Subject]


def diagnosis_of(clients: Clients, outcome: Outcome, subject_of: SubjectOf) -> Diagnosis | None:
    """The diagnosis of a failed, stopped or timed-out outcome (None for a succeeded one);
    what AWS does not answer becomes a note in it."""
    if outcome.succeeded:
        return None
    return diagnose(subject_of(clients, outcome), clients)


def with_diagnosis(clients: Clients, outcome: Outcome, subject_of: SubjectOf) -> Outcome:
    """The outcome with its diagnosis attached (a succeeded one as it is). Never raises."""
    try:
        diagnosis = diagnosis_of(clients, outcome, subject_of)
    except Exception as error:
        return replace(outcome, diagnosis=f"diagnosis: could not be made: {error_text(error)}")
    return outcome if diagnosis is None else replace(outcome, diagnosis=diagnosis.text())
