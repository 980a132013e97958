"""Crash safety: SIGKILL in the middle of a batch of transitions leaves nothing half-applied."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from engine.audit import verify
from engine.database import Database

ROOT = Path(__file__).resolve().parents[2]
BATCH = 20


@pytest.mark.slow
def test_sigkill_mid_batch_leaves_whole_batches_and_intact_chains(db_url: str) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "tests.integration.crash_worker", db_url, "10", str(BATCH)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout is not None
    committed = 0
    for line in proc.stdout:
        if line.startswith("committed"):
            committed = int(line.split()[1])
            if committed >= 25:
                break
    proc.send_signal(signal.SIGKILL)  # lands inside the next batch: the worker batches back to back
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read() if proc.stderr else ""

    db = Database(db_url)
    with db.read() as tx:
        conn = tx.connection
        assert list(verify(tx)) == []
        fired = conn.exec_driver_sql("select count(*) from wf_audit where kind = 'transition' "
                                     "and event <> 'register'").scalar_one()
        # whole batches only: the one printed last, or at most the one whose print the kill cut off
        assert fired in (committed * BATCH, (committed + 1) * BATCH)
        for case in conn.exec_driver_sql(
                "select id, state, version, audit_seq from wf_instance").mappings():
            last = conn.exec_driver_sql(
                f"select to_state, version, seq from wf_audit where instance_id = {case['id']} "
                "order by seq desc limit 1").mappings().one()
            assert (last["to_state"], last["version"], last["seq"]) == (case["state"], case["version"],
                                                                        case["audit_seq"])
            stray = conn.exec_driver_sql(
                f"select count(*) from wf_deadline where instance_id = {case['id']} and status = 'open' "
                f"and state <> '{case['state']}'").scalar_one()
            assert stray == 0
        orphans = conn.exec_driver_sql(
            "select count(*) from wf_step s join wf_deadline d on d.id = s.deadline_id "
            "where s.status = 'pending' and d.status <> 'open'").scalar_one()
        assert orphans == 0
    db.dispose()
