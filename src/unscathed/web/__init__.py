"""The web app where people label snippets, compare completions and red-team the filter (``unscathed serve``).

Imported lazily, so that ``unscathed <other stage>`` does not pay for FastAPI.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ModelService", "WebSettings", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from .app import create_app

        return create_app
    if name == "ModelService":
        from .models import ModelService

        return ModelService
    if name == "WebSettings":
        from .settings import WebSettings

        return WebSettings
    raise AttributeError(name)
