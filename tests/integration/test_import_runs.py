"""An import killed mid-run (kill -9) leaves its ``import_run`` row ``en_cours``; the next
run marks it failed with a French message, and leaves alone a run that is really going on
(issue 19, finding 10)."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import text

from etl.load import INTERRUPTED, RUN_LOCK_SPACE, _release_run, _start_run

KILLED_RUN = """
import os, signal, sys
from mapdir.db import get_engine
from etl.load import _start_run
run_id, _holder = _start_run(get_engine(url=sys.argv[1]), "test-interrompu", "fichier.csv")
print(run_id, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _state(engine, run_id: int) -> tuple:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT statut, message, finished_at IS NOT NULL FROM import_run WHERE id = :i"),
            {"i": run_id},
        ).one()


def test_a_killed_run_is_marked_failed_at_the_next_run(engine, db_url):
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_RUN, db_url], capture_output=True, text=True, timeout=120
    )
    assert killed.returncode == -9, killed.stderr
    dead = int(killed.stdout.split()[0])
    assert _state(engine, dead)[0] == "en_cours"
    live = engine.connect()  # another import, going on right now
    alive = live.execute(
        text("INSERT INTO import_run (source, fichier) VALUES ('test-en-cours', 'f') RETURNING id")
    ).scalar_one()
    live.execute(text("SELECT pg_advisory_lock(:s, :i)"), {"s": RUN_LOCK_SPACE, "i": alive})
    live.commit()
    try:
        run_id, holder = _start_run(engine, "test-suivant", "g.csv")
        _release_run(holder, run_id)
        assert _state(engine, dead) == ("echec", INTERRUPTED, True)
        assert _state(engine, alive)[0] == "en_cours"
        assert _state(engine, run_id)[0] == "en_cours"  # never finished here: released only
    finally:
        live.close()
        with engine.begin() as conn:
            conn.execute(
                text("DELETE FROM import_run WHERE source LIKE 'test-%' AND id = ANY(:ids)"),
                {"ids": [dead, alive, run_id]},
            )
