"""The one exception the pipeline raises; it carries the diagnosis shown to the user."""

from __future__ import annotations

from trusted_publish.catalogue import Diagnosis, diagnose

__all__ = ["PublishError", "failure"]


class PublishError(Exception):
    """A failure the user can act on. Its message is the diagnosis title."""

    def __init__(self, diagnosis: Diagnosis) -> None:
        super().__init__(diagnosis.title)
        self.diagnosis = diagnosis


def failure(
    key: str, /, *, facts: tuple[tuple[str, str], ...] = (), **fields: object
) -> PublishError:
    """Build the error for catalogue entry ``key``: ``raise failure("...", path=p)``."""
    return PublishError(diagnose(key, facts=facts, **fields))
