"""One JSON shape for every error: `{"error": {"code", "message", "details"}}`.

Codes are `oms.errors.ErrorCode` values where our own error tree speaks, and a
few HTTP-ish ones (`malformed_request`, `method_not_allowed`, `internal_error`)
where the web layer does.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from oms.errors import ErrorCode, OmsError

log = logging.getLogger("api")

STATUS_OF_CODE: dict[str, int] = {
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.INVALID_INPUT: 422,
    ErrorCode.INVALID_VAT_NUMBER: 422,
    ErrorCode.INVALID_IBAN: 422,
    ErrorCode.ILLEGAL_TRANSITION: 409,
    ErrorCode.CONFLICT: 409,
    ErrorCode.UNAUTHORIZED: 401,
}
CODE_OF_STATUS: dict[int, str] = {
    400: "malformed_request",
    401: ErrorCode.UNAUTHORIZED,
    403: "forbidden",
    404: ErrorCode.NOT_FOUND,
    405: "method_not_allowed",
    409: ErrorCode.CONFLICT,
    413: "too_large",
    415: "unsupported_media_type",
    422: ErrorCode.INVALID_INPUT,
}


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorBody(BaseModel):
    """Every error answer of the API has this shape."""

    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "Malformed request (e.g. a body that is not JSON)"),
        (401, "Missing, wrong or revoked API key"),
        (404, "Not found for this seller"),
        (409, "Refused by the status machine, or a conflict"),
        (422, "Invalid input: details name each field and the reason"),
    )
}


class ApiError(Exception):
    """An error the web layer raises itself (auth, CSRF, ...)."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


def error_response(
    status: int,
    code: str,
    message: str,
    details: Any = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = ErrorBody(error=ErrorDetail(code=str(code), message=message, details=details))
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


def _field_errors(errors: Any) -> list[dict[str, Any]]:
    # The input is left out on purpose: it may be large, or a secret someone typed.
    return [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": e["type"]}
        for e in errors
    ]


def _summary(details: list[dict[str, Any]]) -> str:
    if not details:
        return "invalid input"
    first = details[0]
    where = ".".join(p for p in first["loc"] if p not in ("body", "query", "path")) or "body"
    more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
    return f"{where}: {first['msg'].removeprefix('Value error, ')}{more}"


async def _oms_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OmsError)
    return error_response(STATUS_OF_CODE.get(exc.code, 422), exc.code, exc.message)


async def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return error_response(exc.status, exc.code, exc.message, exc.details, headers)


async def _request_validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = _field_errors(exc.errors())
    if any(d["type"] == "json_invalid" for d in details):
        return error_response(400, "malformed_request", "the body is not valid JSON", details)
    return error_response(422, ErrorCode.INVALID_INPUT, _summary(details), details)


async def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ValidationError)
    details = _field_errors(exc.errors())
    return error_response(422, ErrorCode.INVALID_INPUT, _summary(details), details)


async def _http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = CODE_OF_STATUS.get(exc.status_code, f"http_{exc.status_code}")
    return error_response(exc.status_code, code, str(exc.detail), headers=exc.headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "internal error: the team has been told")


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into the one shape."""
    app.add_exception_handler(OmsError, _oms_error)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(ValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)


async def refuse_nul(request: Request) -> None:
    """Refuse NUL characters anywhere in a request: PostgreSQL text cannot hold them."""
    body = await request.body()
    if (
        b"\x00" in body
        or b"\\u0000" in body
        or "\x00" in request.scope.get("path", "")
        or b"%00" in request.scope.get("query_string", b"")
    ):
        raise ApiError(422, ErrorCode.INVALID_INPUT, "text must not contain NUL characters")
