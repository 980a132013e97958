"""Errors as the API and the UI show them.

API responses are ``{"error": code, "message": Russian text, "details": …}`` with the right 4xx;
bad input never produces a 500. The UI shows the same message on an error page (or next to a
form's fields, where the route handles it).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException

from cases.errors import DomainError
from engine.database import STORAGE, first_line, unavailable_reason
from engine.errors import EngineError

log = logging.getLogger("opora.errors")
#: seconds a client is asked to wait when the database is busy or reconnecting
RETRY_AFTER = 2
BUSY_MESSAGE = "Система сейчас занята или переподключается к базе данных. Повторите через несколько секунд."
STORAGE_MESSAGE = ("Не удаётся записать в базу данных: на диске нет места или файл базы доступен только для "
                   "чтения. Ничего не сохранено; сообщите администратору и повторите позже.")

#: engine error code → HTTP status
ENGINE_STATUS = {
    "case_not_found": 404, "unknown_workflow": 404, "deadline_not_found": 404,
    "transition_not_allowed": 409, "version_conflict": 409, "workflow_version_conflict": 409,
    "role_not_allowed": 403, "payload_invalid": 422, "guard_failed": 422, "idempotency_key_reused": 422,
    "workflow_invalid": 422, "migration_invalid": 422,
}
PYDANTIC_RU = {
    "missing": "обязательное поле", "int_parsing": "ожидается целое число", "int_type": "ожидается целое число",
    "bool_parsing": "ожидается true или false", "bool_type": "ожидается true или false",
    "string_type": "ожидается строка", "date_parsing": "ожидается дата ГГГГ-ММ-ДД", "date_from_datetime_parsing":
    "ожидается дата ГГГГ-ММ-ДД", "datetime_parsing": "ожидаются дата и время", "datetime_from_date_parsing":
    "ожидаются дата и время", "json_invalid": "тело запроса — не корректный JSON", "dict_type": "ожидается объект",
    "model_attributes_type": "ожидается объект", "list_type": "ожидается список", "literal_error":
    "недопустимое значение", "enum": "недопустимое значение", "string_too_long": "слишком длинная строка",
    "string_too_short": "слишком короткая строка", "greater_than_equal": "слишком маленькое значение",
    "less_than_equal": "слишком большое значение", "extra_forbidden": "поле не предусмотрено",
    "int_from_float": "ожидается целое число", "timezone_aware": "укажите часовой пояс",
    "value_error": "недопустимое значение", "too_short": "слишком мало элементов",
    "too_long": "слишком много элементов",
    "date_type": "ожидается дата ГГГГ-ММ-ДД", "datetime_type": "ожидаются дата и время",
    "float_parsing": "ожидается число", "url_parsing": "ожидается адрес",
}
HTTP_RU = {404: "Не найдено", 405: "Метод не поддерживается", 401: "Требуется вход в систему",
           403: "Нет доступа", 400: "Тело запроса не удалось разобрать", 413: "Слишком большой запрос",
           415: "Неподдерживаемый формат"}


def describe(exc: Exception) -> tuple[int, str, str, Any]:
    """(status, code, message, details) for a domain or engine error."""
    if isinstance(exc, DomainError):
        return exc.status, exc.code, str(exc), exc.details()
    if isinstance(exc, EngineError):
        return ENGINE_STATUS.get(exc.code, 400), exc.code, exc.message, exc.details()
    raise TypeError(exc)


def json_error(status: int, code: str, message: str, details: Any = None) -> JSONResponse:
    return JSONResponse({"error": code, "message": message, "details": details}, status_code=status)


def input_problems(errors: Sequence[Any]) -> list[tuple[str, str]]:
    """pydantic's errors as (field, Russian message): what the API's 422 body and a form's fields both show."""
    problems = []
    for error in errors:
        loc = [str(x) for x in error.get("loc", ()) if x != "body"]
        kind = error.get("type", "")
        if kind in ("too_long", "too_short") and isinstance(error.get("input"), str):  # a text, not a list
            kind = f"string_{kind}"
        message = PYDANTIC_RU.get(kind, "недопустимое значение")
        own = (error.get("ctx") or {}).get("error")
        if error.get("type") == "value_error" and own:  # our validators speak Russian already
            message = str(own)
        problems.append((".".join(loc), message))
    return problems


def validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [{"field": field, "message": message} for field, message in input_problems(exc.errors())]


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def install(app: FastAPI, render_error: Any) -> None:
    """Register the handlers; ``render_error(request, status, message)`` renders the UI's error page."""

    async def domain(request: Request, exc: Exception) -> Response:
        status, code, message, details = describe(exc)
        if is_api(request):
            return json_error(status, code, message, details)
        return render_error(request, status, message)

    async def invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        details = validation_details(exc)
        message = "Запрос заполнен неверно: " + "; ".join(f"{d['field'] or 'запрос'} — {d['message']}"
                                                          for d in details[:5])
        if is_api(request):
            return json_error(422, "request_invalid", message, details)
        return render_error(request, 422, message)

    async def http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        english = {"Not Found", "Method Not Allowed", "There was an error parsing the body"}
        message = exc.detail if isinstance(exc.detail, str) and exc.detail not in english \
            else HTTP_RU.get(exc.status_code, "Ошибка запроса")
        if is_api(request):
            response = json_error(exc.status_code, f"http_{exc.status_code}", message)
            for name, value in (exc.headers or {}).items():  # e.g. Allow on 405
                response.headers[name] = value
            return response
        return render_error(request, exc.status_code, message)

    async def database(request: Request, exc: Exception) -> Response:
        reason = unavailable_reason(exc)
        if reason is None:
            log.error("database error on %s %s: %s", request.method, request.url.path, first_line(exc), exc_info=exc)
            if is_api(request):
                return json_error(500, "internal_error", "Внутренняя ошибка сервера")
            return render_error(request, 500, "Внутренняя ошибка сервера")
        if reason == STORAGE:  # the operator must act: an error, but no traceback (it is not a bug)
            log.error("cannot write to the database on %s %s: %s", request.method, request.url.path, first_line(exc))
        else:
            log.warning("database unavailable on %s %s: %s", request.method, request.url.path, first_line(exc))
        message = STORAGE_MESSAGE if reason == STORAGE else BUSY_MESSAGE
        response = (json_error(503, f"database_{'storage' if reason == STORAGE else 'unavailable'}", message,
                               {"retry_after": RETRY_AFTER}) if is_api(request) else
                    render_error(request, 503, message))
        response.headers["Retry-After"] = str(RETRY_AFTER)
        return response

    app.add_exception_handler(sa.exc.DBAPIError, database)
    app.add_exception_handler(sa.exc.TimeoutError, database)
    app.add_exception_handler(DomainError, domain)
    app.add_exception_handler(EngineError, domain)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(HTTPException, http)


def plain_error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return HTMLResponse(f"<h1>{status}</h1><p>{message}</p>", status_code=status)
