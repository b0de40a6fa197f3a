"""Publish Python distributions from CI through OIDC trusted publishing.

This package is the core of a GitHub Action; it is not a public API. Run it as
``python -m trusted_publish`` or ``trusted-publish``; module contents may change
in any release.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
