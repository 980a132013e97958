"""Account changes together with their effect on sessions and API tokens, in one transaction.

The domain (:mod:`cases.accounts`) decides who may change what; this module adds what the
web layer owns (ASVS 3.3.3, 2.5):

* a user's own password change ends every other session of theirs (the current one stays);
* an administrator's reset ends all the user's sessions and revokes their API tokens;
* deactivating a user ends their sessions and revokes their tokens.
"""

from __future__ import annotations

from api import auth
from cases import accounts
from cases.principal import Principal
from cases.services import Services
from engine.database import UnitOfWork


def change_own_password(tx: UnitOfWork, svc: Services, p: Principal, current: str, new: str,
                        session_hash: str = "") -> int:
    """Change the caller's password; returns how many of their other sessions were ended."""
    accounts.change_own_password(tx, svc, p, current, new)
    return auth.end_sessions(tx, p.user_id, keep_hash=session_hash)


def reset_password(tx: UnitOfWork, svc: Services, p: Principal, user_id: int) -> str:
    """A one-time password for the user; their sessions end and their API tokens are revoked."""
    password = accounts.reset_password(tx, svc, p, user_id)
    auth.end_sessions(tx, user_id)
    auth.revoke_tokens(tx, user_id, svc.runtime.clock.now())
    return password


def update_user(tx: UnitOfWork, svc: Services, p: Principal, user_id: int,
                change: accounts.UserChange) -> accounts.UserView:
    """Change a user; a deactivated user's sessions end and tokens are revoked at once."""
    view = accounts.update_user(tx, svc, p, user_id, change)
    if change.active is False:
        auth.end_sessions(tx, user_id)
        auth.revoke_tokens(tx, user_id, svc.runtime.clock.now())
    return view
