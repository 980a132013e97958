"""Published versions are immutable; running cases keep theirs; migrations are explicit and audited."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.cli import main
from engine.audit import verify
from engine.catalog import Catalog
from engine.commands import Actor
from engine.errors import MigrationInvalid
from engine.migrate import apply_migration, plan_migration
from engine.runtime import Runtime
from tests.support import CLERK, FIXTURE_WORKFLOWS, Harness, calendar, engine_registry, make_harness

V1 = (FIXTURE_WORKFLOWS / "review.yaml").read_text(encoding="utf-8")
# v2 renames "checking" to "verification" and adds a deadline to "received"
V2 = (V1.replace("version: 1", "version: 2").replace("checking", "verification")
      .replace("        escalate: [{after: 0h, to: boss}]\n  verification:",
               "        escalate: [{after: 0h, to: boss}]\n      - {id: triage, title: Оценить срочность, "
               "basis: п. 3, due: 2h}\n  verification:"))


def write(folder: Path, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / "review.yaml"
    path.write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def engine(db) -> Harness:  # type: ignore[no-untyped-def]
    return make_harness(db)


def fresh_runtime(h: Harness, folder: Path) -> Runtime:
    catalog = Catalog(engine_registry())
    catalog.load_directory(folder)
    with h.db.unit_of_work() as tx:
        catalog.publish(tx, h.runtime.clock.now())
        tx.commit()
    return Runtime(catalog, catalog.vocabulary, calendar(), h.runtime.clock)


def test_republishing_the_same_content_is_a_no_op_and_changed_content_is_not_published(engine: Harness,
                                                                                       tmp_path: Path) -> None:
    with_comment = write(tmp_path / "a", "# только комментарий\n" + V1)
    runtime = fresh_runtime(engine, with_comment)
    assert runtime.catalog.versions("review") == [1]
    changed = write(tmp_path / "b", V1.replace("Рассмотрение обращения", "Другое название"))
    catalog = Catalog(engine_registry())
    catalog.load_directory(changed)
    with engine.db.unit_of_work() as tx:
        published = catalog.publish(tx, engine.runtime.clock.now())
        tx.commit()
    stale = published[0].stale
    assert stale is not None and not published[0].new
    assert str(stale) == ("Файл review.yaml: версия 1 процесса «review» уже опубликована с другим содержимым "
                          "(изменения публикуются только под новым номером версии); новые дела начинаются на "
                          "версии 1 (из базы данных), файл не опубликован")
    assert engine.rows("select count(*) from wf_version")[0][0] == 1
    # what runs is the published content, compiled from the database, not the file
    assert catalog.latest("review").definition.title == "Рассмотрение обращения"
    assert catalog.compiled("review", 1).definition.title == "Рассмотрение обращения"


def test_running_cases_stay_on_their_version(engine: Harness, tmp_path: Path) -> None:
    old_case = engine.start().case_id
    engine.fire(old_case, "register", CLERK)
    runtime = fresh_runtime(engine, write(tmp_path / "v2", V2))  # a new process with only v2 on disk
    assert runtime.catalog.versions("review") == [1, 2]
    h2 = Harness(engine.db, runtime)
    new_case = h2.start().case_id
    rows = {r.id: (r.workflow_version, r.state) for r in engine.rows("select id, workflow_version, state "
                                                                     "from wf_instance")}
    assert rows == {old_case: (1, "checking"), new_case: (2, "received")}
    assert h2.fire(old_case, "approve", payload={"decision": "full"}).to_state == "approved"  # v1 still runs


def test_migration_maps_states_keeps_deadlines_and_audits(engine: Harness, tmp_path: Path) -> None:
    in_checking = engine.start().case_id
    engine.fire(in_checking, "register", CLERK)
    in_received = engine.start().case_id
    runtime = fresh_runtime(engine, write(tmp_path / "v2", V2))
    with engine.db.unit_of_work() as tx:
        plan = plan_migration(tx, runtime, "review", 1, 2, {})
        assert plan.problems == ["состояние «checking» (1 дело) не сопоставлено состоянию версии 2; "
                                 "укажите --map checking=<состояние>"]
        with pytest.raises(MigrationInvalid):
            apply_migration(tx, runtime, plan, Actor(1, "admin"))
        plan = plan_migration(tx, runtime, "review", 1, 2, {"checking": "verification"})
        assert plan.summary() == {"checking -> verification": 1, "received -> received": 1}
        assert apply_migration(tx, runtime, plan, Actor(1, "admin")) == 2
        tx.commit()
    rows = {r.id: (r.workflow_version, r.state, r.version) for r in
            engine.rows("select id, workflow_version, state, version from wf_instance")}
    assert rows == {in_checking: (2, "verification", 3), in_received: (2, "received", 2)}
    audit = engine.rows("select instance_id, from_state, to_state, actor_role from wf_audit "
                        "where kind = 'migration' order by instance_id")
    assert [(a.instance_id, a.from_state, a.to_state, a.actor_role) for a in audit] == [
        (in_checking, "checking", "verification", "admin"), (in_received, "received", "received", "admin")]
    # "received" keeps its open "register" deadline (same due date) and gains v2's new "triage" one
    open_dl = engine.rows("select key from wf_deadline where instance_id = :c and status = 'open' order by id",
                          c=in_received)
    assert [r.key for r in open_dl] == ["register", "triage"]
    with engine.db.read() as tx:
        assert list(verify(tx)) == []


CLI_V1 = """
workflow: tiny
version: 1
title: Маленький процесс
states:
  new: {title: Новое, initial: true, deadlines: [{id: look, title: Посмотреть, basis: п. 1, due: 1wd}]}
  old_name: {title: В работе}
  done: {title: Готово, final: true}
transitions:
  - {event: take, title: Взять, from: new, to: old_name, roles: [agency]}
  - {event: finish, title: Завершить, from: old_name, to: done, roles: [agency]}
"""
CLI_V2 = CLI_V1.replace("version: 1", "version: 2").replace("old_name", "in_work")


def test_cli_migrate_with_dry_run(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    from api.bootstrap import bootstrap
    from api.settings import Settings
    from engine.commands import FireTransition, StartCase

    folder = tmp_path / "wf"
    folder.mkdir()
    (folder / "tiny.yaml").write_text(CLI_V1, encoding="utf-8")
    monkeypatch.setenv("OPORA_WORKFLOWS_DIR", str(folder))
    app = bootstrap(Settings(database_url=db_url))
    agent = Actor(3, "agency")
    with app.db.unit_of_work() as tx:
        ids = [app.runtime.start(tx, StartCase("tiny", agent)).case_id for _ in range(3)]
        app.runtime.fire(tx, FireTransition(ids[0], "take", agent))
        tx.commit()
    app.close()
    (folder / "tiny.yaml").write_text(CLI_V2, encoding="utf-8")
    args = ["--database-url", db_url, "workflows", "migrate", "tiny", "--from", "1", "--to", "2"]
    assert main([*args, "--dry-run"]) == 1  # old_name is not mapped
    assert "old_name" in capsys.readouterr().out
    assert main([*args, "--map", "old_name=in_work", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert '"cases": 3' in out and '"old_name -> in_work": 1' in out
    app = bootstrap(Settings(database_url=db_url))
    with app.db.read() as tx:
        assert {app.runtime.load(tx, i).workflow_version for i in ids} == {1}
    assert main([*args, "--map", "old_name=in_work"]) == 0
    with app.db.read() as tx:
        cases = [app.runtime.load(tx, i) for i in ids]
        assert [(c.workflow_version, c.state) for c in cases] == [(2, "in_work"), (2, "new"), (2, "new")]
        assert list(verify(tx)) == []
    app.close()
