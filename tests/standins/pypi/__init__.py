"""A Warehouse-faithful PyPI stand-in."""

from tests.standins.pypi.app import PyPI, RequestRecord
from tests.standins.pypi.state import GitHubPublisher, PendingPublisher, Project, StoredFile

__all__ = ["GitHubPublisher", "PendingPublisher", "Project", "PyPI", "RequestRecord", "StoredFile"]
