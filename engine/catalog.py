"""The published workflows: files on disk, versions in the database, compiled machines in memory.

* :meth:`Catalog.load_directory` reads and validates every workflow file of a folder;
* :meth:`Catalog.publish` stores each file's version with its content hash — a version
  already published with other content is refused (:class:`WorkflowVersionConflict`) —
  and loads every older version still stored, so running cases stay on the version they
  started with even after the file moved on;
* :meth:`Catalog.compiled` gives the one shared compiled machine of a (workflow, version).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
import yaml

from engine.database import UnitOfWork
from engine.errors import Problem, UnknownWorkflow, WorkflowInvalid, WorkflowVersionConflict
from engine.loader import load_workflow
from engine.machine import CompiledWorkflow, compile_workflow
from engine.registry import Registry
from engine.tables import WorkflowVersion
from engine.yamlsource import LOADER

WV = WorkflowVersion.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Published:
    name: str
    version: int
    content_hash: str
    new: bool


class Catalog:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._compiled: dict[tuple[str, int], CompiledWorkflow] = {}
        self._files: dict[str, CompiledWorkflow] = {}

    # -- loading ------------------------------------------------------------------------------
    def load_directory(self, folder: Path) -> list[CompiledWorkflow]:
        """Load every ``*.yaml`` workflow file of ``folder``; raise one error listing all problems."""
        paths = sorted(p for p in folder.glob("*.yaml"))
        names = []
        for path in paths:
            try:
                head = yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER)  # safe: libyaml or SafeLoader
            except yaml.YAMLError:
                head = None
            if isinstance(head, dict) and isinstance(head.get("workflow"), str):
                names.append(head["workflow"])
        problems: list[Problem] = []
        loaded = []
        for path in paths:
            try:
                loaded.append(self.add_text(path.read_text(encoding="utf-8"), path.name, names))
            except WorkflowInvalid as exc:
                problems.extend(exc.problems)
        if problems:
            raise WorkflowInvalid(problems)
        return loaded

    def add_text(self, text: str, filename: str, known_workflows: Iterable[str] | None = None) -> CompiledWorkflow:
        definition = load_workflow(text, self.registry, filename=filename, known_workflows=known_workflows)
        compiled = compile_workflow(definition)
        self._files[definition.name] = compiled
        self._compiled[(definition.name, definition.version)] = compiled
        return compiled

    # -- publishing ---------------------------------------------------------------------------
    def publish(self, tx: UnitOfWork, now: datetime) -> list[Published]:
        """Store the loaded files' versions; refuse changed content under a published number."""
        conn = tx.connection
        result = []
        for name, compiled in sorted(self._files.items()):
            wf = compiled.definition
            stored = conn.execute(
                sa.select(WV.c.content_hash).where(WV.c.name == name, WV.c.version == wf.version)
            ).scalar()
            if stored is not None and stored != wf.content_hash:
                raise WorkflowVersionConflict(name, wf.version)
            if stored is None:
                conn.execute(sa.insert(WV).values(name=name, version=wf.version, title=wf.title,
                                                  content_hash=wf.content_hash, source=wf.source,
                                                  published_at=now))
            result.append(Published(name, wf.version, wf.content_hash, stored is None))
        self.load_stored(tx)
        return result

    def load_stored(self, tx: UnitOfWork) -> None:
        """Compile every stored version not yet in memory (older versions of running cases)."""
        rows = tx.connection.execute(sa.select(WV.c.name, WV.c.version, WV.c.source)).all()
        for row in rows:
            if (row.name, row.version) not in self._compiled:
                definition = load_workflow(row.source, self.registry, filename=f"{row.name}@v{row.version}")
                self._compiled[(row.name, row.version)] = compile_workflow(definition)

    # -- lookup -------------------------------------------------------------------------------
    def compiled(self, name: str, version: int) -> CompiledWorkflow:
        try:
            return self._compiled[(name, version)]
        except KeyError:
            raise UnknownWorkflow(name, version) from None

    def latest(self, name: str) -> CompiledWorkflow:
        if name in self._files:
            return self._files[name]
        versions = [v for (n, v) in self._compiled if n == name]
        if not versions:
            raise UnknownWorkflow(name)
        return self._compiled[(name, max(versions))]

    def names(self) -> list[str]:
        return sorted({n for n, _ in self._compiled})

    def versions(self, name: str) -> list[int]:
        return sorted(v for n, v in self._compiled if n == name)
