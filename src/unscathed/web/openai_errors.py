"""Errors in OpenAI's shape, ``{"error": {"message", "type", "param", "code"}}``, so OpenAI clients raise them."""

from __future__ import annotations

from fastapi.responses import JSONResponse
from pydantic import ValidationError


class ApiError(Exception):
    """A request the API refuses: HTTP status, a message naming the problem, and the parameter at fault."""

    def __init__(self, status: int, message: str, *, param: str | None = None, code: str | None = None, type: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.code = code
        self.type = type


def error_response(error: ApiError, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"error": {"message": error.message, "type": error.type, "param": error.param, "code": error.code}}
    return JSONResponse(body, status_code=error.status, headers=headers)


def validation_error(error: ValidationError) -> ApiError:
    """The first problem pydantic found, phrased for the person who wrote the request."""
    first = error.errors()[0]
    location = [str(part) for part in first["loc"]]
    param = location[0] if location else None
    if first["type"] == "extra_forbidden":
        return ApiError(400, f"Unrecognized request argument supplied: {param}", param=param, code="unknown_parameter")
    if first["type"] == "missing":
        return ApiError(400, f"you must provide '{param}'", param=param, code="missing_required_parameter")
    where = ".".join(location) or "body"
    return ApiError(400, f"{where}: {first['msg']} (got {first.get('input')!r:.80})", param=param, code="invalid_value")
