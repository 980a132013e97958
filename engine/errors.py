"""Errors raised by the engine.

::

    EngineError
    ├── WorkflowInvalid          a workflow file breaks the schema (lists every problem)
    ├── UnknownWorkflow          no such workflow / version is published
    ├── CaseNotFound             no such case instance
    ├── TransitionNotAllowed     the event does not exist in the current state
    ├── RoleNotAllowed           the actor's role may not fire this event
    ├── PayloadInvalid           the payload does not match the declared fields (per field)
    ├── GuardFailed              a declared guard does not hold
    ├── ConcurrencyConflict      the case changed since the caller read it (stale version)
    ├── IdempotencyKeyReused     the key was used before for a different request
    ├── DeadlineNotFound         no open deadline of that id on the case
    ├── MigrationInvalid         a version migration's state mapping is incomplete or wrong
    └── AuditSetupError          audit anchors cannot be made or checked at all (CLI exit code 2)
        ├── AuditKeyMissing      no signing key (``OPORA_AUDIT_KEY``), or one too short to be a secret
        ├── AuditKeyUnknown      an anchor was signed with a key that is not among those given
        └── AnchorsUnreadable    the anchors file is missing, unreadable or has a line that is not an anchor

Every error carries a machine-readable ``code`` (used by the REST API as the ``error``
field) and builds a Russian message from its fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


class EngineError(Exception):
    code = "engine_error"

    @property
    def message(self) -> str:
        return str(self)

    def details(self) -> object:
        return None


@dataclass(frozen=True)
class Problem:
    """One problem found in a workflow file."""

    file: str
    line: int | None
    path: str
    what: str
    expected: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.path}: {self.what}" if self.path else f"{where}: {self.what}"
        if self.expected:
            text += f"; ожидается: {self.expected}"
        return text


class WorkflowInvalid(EngineError):
    code = "workflow_invalid"

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"Описание процесса содержит ошибки ({len(self.problems)}):\n{lines}")

    def details(self) -> object:
        return [p.__dict__ for p in self.problems]


class UnknownWorkflow(EngineError):
    code = "unknown_workflow"

    def __init__(self, name: str, version: int | None = None) -> None:
        self.name, self.version = name, version
        suffix = f" версии {version}" if version is not None else ""
        super().__init__(f"Процесс «{name}»{suffix} не опубликован")


class CaseNotFound(EngineError):
    code = "case_not_found"

    def __init__(self, case_id: int) -> None:
        self.case_id = case_id
        super().__init__(f"Дело № {case_id} не найдено")


class TransitionNotAllowed(EngineError):
    code = "transition_not_allowed"

    def __init__(self, case_id: int, event: str, state: str, available: Sequence[str] = ()) -> None:
        self.case_id, self.event, self.state, self.available = case_id, event, state, list(available)
        hint = f"; доступны: {', '.join(self.available)}" if self.available else "; действий нет"
        super().__init__(f"Действие «{event}» недоступно в состоянии «{state}» дела № {case_id}{hint}")

    def details(self) -> object:
        return {"state": self.state, "available": self.available}


class RoleNotAllowed(EngineError):
    code = "role_not_allowed"

    def __init__(self, event: str, role: str, allowed: Iterable[str]) -> None:
        self.event, self.role, self.allowed = event, role, sorted(allowed)
        super().__init__(
            f"Роль «{role}» не может выполнять действие «{event}»; разрешено ролям: {', '.join(self.allowed)}"
        )

    def details(self) -> object:
        return {"role": self.role, "allowed": self.allowed}


class PayloadInvalid(EngineError):
    code = "payload_invalid"

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        body = "; ".join(f"{k}: {v}" for k, v in self.errors.items())
        super().__init__(f"Данные формы заполнены неверно — {body}")

    def details(self) -> object:
        return {"fields": self.errors}


class GuardFailed(EngineError):
    code = "guard_failed"

    def __init__(self, guard: str, reason: str) -> None:
        self.guard, self.reason = guard, reason
        super().__init__(reason)

    def details(self) -> object:
        return {"guard": self.guard}


class ConcurrencyConflict(EngineError):
    code = "version_conflict"

    def __init__(self, case_id: int, expected: int | None, actual: int | None) -> None:
        self.case_id, self.expected, self.actual = case_id, expected, actual
        super().__init__(
            f"Дело № {case_id} уже изменено другим пользователем (ожидалась версия {expected}, "
            f"текущая {actual}); обновите страницу и повторите действие"
        )

    def details(self) -> object:
        return {"expected": self.expected, "actual": self.actual}


class IdempotencyKeyReused(EngineError):
    code = "idempotency_key_reused"

    def __init__(self, key: str) -> None:
        self.key = key  # the engine's own key (it may carry the caller's id): never shown
        super().__init__("Этот ключ идемпотентности (Idempotency-Key) уже использован для другого запроса; "
                         "для нового запроса нужен новый ключ")


class DeadlineNotFound(EngineError):
    code = "deadline_not_found"

    def __init__(self, case_id: int, deadline: str, ref: str | None) -> None:
        self.case_id, self.deadline, self.ref = case_id, deadline, ref
        super().__init__(f"У дела № {case_id} нет открытого срока «{deadline}» ({ref or '—'})")


class MigrationInvalid(EngineError):
    code = "migration_invalid"


class AuditSetupError(EngineError):
    """Anchors cannot be made or checked: not a finding about the data, a problem of the setup."""

    code = "audit_setup"


class AuditKeyMissing(AuditSetupError):
    code = "audit_key_missing"

    def __init__(self, setting: str, reason: str) -> None:
        self.setting, self.reason = setting, reason
        super().__init__(f"{setting}: {reason}")


class AuditKeyUnknown(AuditSetupError):
    code = "audit_key_unknown"

    def __init__(self, line: int, when: str, key_id: str, known: Iterable[str]) -> None:
        self.line, self.when, self.key_id, self.known = line, when, key_id, sorted(known)
        super().__init__(
            f"отметка от {when} (строка {line}) подписана ключом {key_id}, а заданы ключи "
            f"{', '.join(self.known) or '—'}: добавьте прежний ключ в OPORA_AUDIT_OLD_KEYS "
            "или проверьте OPORA_AUDIT_KEY"
        )


class AnchorsUnreadable(AuditSetupError):
    code = "anchors_unreadable"

    def __init__(self, path: str, reason: str, line: int | None = None) -> None:
        self.path, self.reason, self.line = path, reason, line
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"файл отметок {where}: {reason}")
