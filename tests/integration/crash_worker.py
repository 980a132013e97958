"""A process that fires transitions in batches until it is killed (driven by test_crash.py).

Usage: python -m tests.integration.crash_worker DATABASE_URL CASES BATCH
Prints "committed <n>" after each committed batch of <BATCH> transitions.
"""

from __future__ import annotations

import itertools
import sys

from engine.commands import FireTransition
from engine.database import Database
from tests.support import BOSS, CLERK, REVIEWER, make_harness

# a cycle of events that never ends: approved -> checking -> approved ...
CYCLE = [("approve", REVIEWER, {"decision": "full"}), ("extend", REVIEWER, {}), ("reopen", BOSS, {})]


def main() -> None:
    url, cases, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    harness = make_harness(Database(url))
    ids = [harness.start().case_id for _ in range(cases)]
    for case_id in ids:
        harness.fire(case_id, "register", CLERK)
    print("ready", flush=True)
    position = dict.fromkeys(ids, 0)
    for committed, chunk_start in enumerate(itertools.count(step=batch), start=1):
        with harness.db.unit_of_work() as tx:
            for i in range(batch):
                case_id = ids[(chunk_start + i) % len(ids)]
                event, actor, payload = CYCLE[position[case_id] % len(CYCLE)]
                harness.runtime.fire(tx, FireTransition(case_id, event, actor, payload))
                position[case_id] += 1
            tx.commit()
        print(f"committed {committed}", flush=True)


if __name__ == "__main__":
    main()
