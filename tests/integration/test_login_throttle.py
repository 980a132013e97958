"""Login throttling per (login, client address), counted atomically before the password is checked;
argon2 runs for unknown logins too (no enumeration by timing). SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from api import auth, throttle
from cases import passwords
from tests.process_steps import Process
from tests.world import PASSWORD


class CountingHasher:
    """The real argon2 hasher, counting how many passwords it was asked to verify."""

    def __init__(self, real: Any) -> None:
        self.real, self.verified, self._lock = real, 0, threading.Lock()

    def verify(self, password_hash: str, password: str) -> bool:
        with self._lock:
            self.verified += 1
        return bool(self.real.verify(password_hash, password))

    def hash(self, password: str) -> str:
        return str(self.real.hash(password))


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> Iterator[CountingHasher]:
    counting = CountingHasher(passwords._hasher)
    passwords.verify_password(None, "warm up the dummy hash")
    monkeypatch.setattr(passwords, "_hasher", counting)
    yield counting


def attempt(process: Process, login: str, password: str, address: str) -> str:
    try:
        auth.authenticate(process.svc.db, login, password, address, process.now())
    except auth.TooManyAttempts:
        return "throttled"
    except auth.NotAuthenticated:
        return "wrong"
    return "ok"


def test_sixteen_parallel_guesses_only_the_allowed_number_reach_the_password_check(
        process: Process, hasher: CountingHasher) -> None:
    barrier = threading.Barrier(16)
    outcomes: list[str] = []

    def guess(n: int) -> None:
        barrier.wait()
        outcomes.append(attempt(process, "opeka", f"угадайка-{n}", "203.0.113.7"))

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["throttled"] * 11 + ["wrong"] * 5
    assert hasher.verified == throttle.FREE_ATTEMPTS
    assert process.rows("select failures from login_throttle")[0].failures == 5


def test_an_attacker_elsewhere_never_locks_the_real_user_out(process: Process, hasher: CountingHasher) -> None:
    for n in range(12):
        attempt(process, "opeka", f"guess-{n}", "198.51.100.66")
    assert attempt(process, "opeka", PASSWORD, "198.51.100.66") == "throttled"  # even the right password, there
    assert attempt(process, "opeka", PASSWORD, "10.20.30.40") == "ok"  # the owner, from their own address


def test_the_pause_grows_with_the_failures_and_a_success_clears_it(process: Process) -> None:
    address = "192.0.2.10"
    for _ in range(throttle.FREE_ATTEMPTS):
        assert attempt(process, "agent", "wrong-password!", address) == "wrong"
    for pause in (30, 60, 120):  # seconds: each failure from the fifth on doubles the pause
        assert attempt(process, "agent", "wrong-password!", address) == "throttled"
        process.frozen.tick(timedelta(seconds=pause - 1))  # type: ignore[attr-defined]
        assert attempt(process, "agent", "wrong-password!", address) == "throttled"
        process.frozen.tick(timedelta(seconds=1))  # type: ignore[attr-defined]
        assert attempt(process, "agent", "wrong-password!", address) == "wrong"
    assert process.rows("select failures from login_throttle")[0].failures == 8
    assert throttle.pause_after(30) == throttle.MAX_PAUSE
    process.frozen.tick(timedelta(seconds=240))  # type: ignore[attr-defined]
    assert attempt(process, "agent", PASSWORD, address) == "ok"
    assert process.rows("select count(*) as n from login_throttle")[0].n == 0


def test_an_unknown_login_costs_one_argon2_verification_like_a_known_one(
        process: Process, hasher: CountingHasher) -> None:
    assert attempt(process, "nobody-by-this-name", "some-password-1", "192.0.2.1") == "wrong"
    assert hasher.verified == 1
    assert attempt(process, "opeka", "some-password-1", "192.0.2.1") == "wrong"
    assert hasher.verified == 2


def test_attempts_are_logged_with_the_address(process: Process) -> None:
    attempt(process, "opeka", "wrong-password!", "192.0.2.44")
    attempt(process, "opeka", PASSWORD, "192.0.2.44")
    rows = process.rows("select login, address, success from login_attempt order by id")
    assert [(r.login, r.address, bool(r.success)) for r in rows] == [("opeka", "192.0.2.44", False),
                                                                       ("opeka", "192.0.2.44", True)]
