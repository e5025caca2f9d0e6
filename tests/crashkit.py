"""States that only a crash, a killed process or another program can leave in the database.

The store's API cannot produce them — by design — so the fault tests write them here, with
SQL, in the one test module allowed to. Everything else in the tests goes through
``invite.store``.
"""

from __future__ import annotations

from invite.store import Store


def forget_answers(store: Store) -> None:
    """As if poll died after storing a message but before recording its answer."""
    with store.transaction() as conn:
        conn.execute("DELETE FROM answers")
