"""The published workflows: files on disk, versions in the database, compiled machines in memory.

* :meth:`Catalog.load_directory` reads and validates every workflow file of a folder;
* :meth:`Catalog.publish` stores each file's version with its content hash and loads every
  version stored, so running cases stay on the version they started with even after the
  file moved on. A file older than what is published — a lower version number than the
  newest published, or a published number with other content (someone deployed old files,
  or edited a file without a new number) — is not stored; it is reported as a
  :class:`StaleFile` and new cases start on the newest published version, compiled from the
  source stored in the database, never on the file;
* :meth:`Catalog.compiled` gives the one shared compiled machine of a (workflow, version).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from engine.database import UnitOfWork
from engine.errors import Problem, UnknownWorkflow, WorkflowInvalid
from engine.loader import load_workflow
from engine.machine import CompiledWorkflow, compile_workflow
from engine.sources import Source, check_sources, read_sources
from engine.tables import WorkflowVersion
from engine.vocabulary import Vocabulary

WV = WorkflowVersion.__table__  # type: ignore[attr-defined]
OLDER, CHANGED = "older", "changed"


@dataclass(frozen=True)
class StaleFile:
    """A workflow file older than what is published: not stored, new cases start on ``published``."""

    path: str
    name: str
    version: int
    published: int
    #: older: a lower number than the newest published; changed: a published number with other content
    reason: str

    def __str__(self) -> str:
        then = (f"новые дела начинаются на версии {self.published} (из базы данных), "
                "файл не опубликован")
        if self.reason == OLDER:
            return (f"Файл {self.path} старше опубликованного: в нём версия {self.version} процесса «{self.name}», "
                    f"а опубликована уже версия {self.published}; {then}")
        return (f"Файл {self.path}: версия {self.version} процесса «{self.name}» уже опубликована с другим "
                f"содержимым (изменения публикуются только под новым номером версии); {then}")


@dataclass(frozen=True)
class Published:
    name: str
    version: int
    content_hash: str
    new: bool
    stale: StaleFile | None = None


class Catalog:
    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self._compiled: dict[tuple[str, int], CompiledWorkflow] = {}
        self._files: dict[str, CompiledWorkflow] = {}
        #: files found older than the published versions at the last :meth:`publish`, by workflow name
        self.stale: dict[str, StaleFile] = {}

    # -- loading ------------------------------------------------------------------------------
    def load_directory(self, folder: Path) -> list[CompiledWorkflow]:
        """Load every ``*.yaml`` workflow file of ``folder``; raise one error listing all problems."""
        found, unreadable = read_sources([str(p) for p in sorted(folder.glob("*.yaml"))])
        problems = [Problem(Path(u.path).name, None, "", u.reason) for u in unreadable]
        checked = check_sources(self.vocabulary, [Source(Path(s.path).name, s.text) for s in found])
        problems += [p for c in checked for p in c.problems]
        if problems:
            raise WorkflowInvalid(problems)
        return [self._add(c.compiled) for c in checked if c.compiled is not None]

    def add_text(self, text: str, filename: str, known_workflows: Iterable[str] | None = None) -> CompiledWorkflow:
        definition = load_workflow(text, self.vocabulary, filename=filename, known_workflows=known_workflows)
        return self._add(compile_workflow(definition))

    def _add(self, compiled: CompiledWorkflow) -> CompiledWorkflow:
        definition = compiled.definition
        self._files[definition.name] = compiled
        self._compiled[(definition.name, definition.version)] = compiled
        return compiled

    # -- publishing ---------------------------------------------------------------------------
    def publish(self, tx: UnitOfWork, now: datetime) -> list[Published]:
        """Store the loaded files' new versions; report files older than what is published.

        A stale file (:class:`StaleFile`: a lower number than the newest published, or a
        published number with other content) is not stored and stops being the workflow's
        latest version: :meth:`latest` gives the newest published one, compiled from the
        database. Every stored version is then compiled (:meth:`load_stored`).
        """
        conn = tx.connection
        stored = {(r.name, r.version): r.content_hash
                  for r in conn.execute(sa.select(WV.c.name, WV.c.version, WV.c.content_hash))}
        newest: dict[str, int] = {}
        for name, version in stored:
            newest[name] = max(version, newest.get(name, version))
        result = []
        for name, compiled in sorted(self._files.items()):
            wf = compiled.definition
            have, top = stored.get((name, wf.version)), newest.get(name)
            stale = None
            if top is not None and wf.version < top:
                stale = StaleFile(wf.source_path, name, wf.version, top, OLDER)
            elif have is not None and have != wf.content_hash:
                stale = StaleFile(wf.source_path, name, wf.version, top or wf.version, CHANGED)
            elif have is None:
                conn.execute(sa.insert(WV).values(name=name, version=wf.version, title=wf.title,
                                                  content_hash=wf.content_hash, source=wf.source,
                                                  published_at=now))
            result.append(Published(name, wf.version, wf.content_hash, have is None and stale is None, stale))
        for p in result:
            if p.stale is not None:
                self.stale[p.name] = p.stale
                del self._files[p.name]
                del self._compiled[(p.name, p.version)]
        self.load_stored(tx)
        return result

    def load_stored(self, tx: UnitOfWork) -> None:
        """Compile every stored version not yet in memory as stored (older versions of running cases)."""
        rows = tx.connection.execute(sa.select(WV.c.name, WV.c.version, WV.c.source, WV.c.content_hash)).all()
        for row in rows:
            known = self._compiled.get((row.name, row.version))
            if known is None or known.definition.content_hash != row.content_hash:
                definition = load_workflow(row.source, self.vocabulary, filename=f"{row.name}@v{row.version}")
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
