"""Run one source: read → map → validate → geocode → upsert, in one transaction.

Upsert by (source, source id) with a content hash: a second run of the same file changes
nothing; a newer file updates what changed, inserts what is new, and marks what vanished
as absent from its source (never deleted). Vanishing is scoped to the dataset the run read
(``dataset_of``: a regional file, an API scope): a record listed by several datasets of
its source is absent only when none of them lists it any more. Bad records go to
``rejet`` with a French reason; the run goes on. A bad file or a crash rolls the whole
run back, leaving the previous data intact; the run itself is recorded (``import_run``)
either way.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Text, any_, func, insert, literal, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, Engine

from etl.prepare import PreparedRecord, prepare_records
from etl.rebuild import create_offers, rebuild_offers, replace_permanences
from etl.record import BadFile
from etl.sources import SOURCES, dataset_of, file_date
from mapdir.db.rows import any_of, json_records, jsonb_text, typed
from mapdir.db.tables import enregistrement_source, import_run, rejet
from mapdir.errors import MapdirError

Progress = Callable[[str], None]
run, es = import_run.c, enregistrement_source.c


class EtlError(MapdirError):
    http_status = 422


@dataclass
class RunSummary:
    source: str
    fichier: str
    jeu: str = ""
    run_id: int | None = None
    counts: Counter = field(default_factory=Counter)
    rejects: Counter = field(default_factory=Counter)
    fixes: Counter = field(default_factory=Counter)
    offer_ids_changed: set[int] = field(default_factory=set)

    def as_json(self) -> dict[str, Any]:
        return {
            **self.counts,
            "rejets_par_motif": dict(self.rejects),
            "corrections": dict(self.fixes),
        }

    def line(self) -> str:
        c = self.counts
        rej = ", ".join(f"{k} {v}" for k, v in self.rejects.most_common()) or "aucun"
        return (
            f"{self.source} ({self.fichier}, jeu {self.jeu}) : lus {c['lus']},"
            f" insérés {c['inseres']}, "
            f"mis à jour {c['mis_a_jour']}, inchangés {c['inchanges']}, "
            f"disparus {c['disparus']}, rejetés {c['rejetes']} ({rej}), "
            f"géocodés {c['geocodes']}, corrigés {sum(self.fixes.values())}, "
            f"fusionnés {c['fusionnes']}"
        )


def content_hash(brut: dict[str, Any], donnees: dict[str, Any]) -> str:
    payload = json.dumps([brut, donnees], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def _snapshot_date(path: Path) -> str | None:
    found = file_date(path)
    if not found:
        return None
    year, month, day = found
    return f"{year:04d}-{month:02d}-{max(day, 1):02d}"


#: first key of the advisory locks held by running imports (the second is the run's id)
RUN_LOCK_SPACE = 0x4D50  # "MP"
INTERRUPTED = (
    "interrompu : le processus d'import s'est arrêté avant la fin (relevé à l'import suivant)"
)


def mark_interrupted_runs(engine: Engine) -> int:
    """Runs left ``en_cours`` by a process that died (kill -9, a crash of the machine) are
    marked failed: a live run holds its advisory lock, a dead one's was released with its
    connection. Returns how many were marked."""
    with engine.begin() as conn:
        return conn.execute(
            update(import_run)
            .where(run.statut == "en_cours", func.pg_try_advisory_xact_lock(RUN_LOCK_SPACE, run.id))
            .values(statut="echec", finished_at=func.now(), message=INTERRUPTED)
        ).rowcount


def _start_run(
    engine: Engine, source: str, fichier: str, dataset: str | None = None
) -> tuple[int, Connection]:
    """The new run's id, and the connection holding its lock until ``_release_run``."""
    mark_interrupted_runs(engine)
    holder = engine.connect()
    try:
        run_id = holder.execute(
            insert(import_run)
            .values(source=source, fichier=fichier, jeu_de_donnees=dataset)
            .returning(run.id)
        ).scalar_one()
        # taken before the row is visible to others: it is never seen unlocked while alive
        holder.execute(select(func.pg_advisory_lock(RUN_LOCK_SPACE, run_id)))
        holder.commit()
    except BaseException:
        holder.close()
        raise
    return run_id, holder


def _release_run(holder: Connection, run_id: int) -> None:
    try:
        holder.execute(select(func.pg_advisory_unlock(RUN_LOCK_SPACE, run_id)))
        holder.commit()
    finally:
        holder.close()


def _finish_run(engine: Engine, run_id: int, statut: str, comptes: dict, message: str | None):
    with engine.begin() as conn:
        conn.execute(
            update(import_run)
            .where(run.id == run_id)
            .values(finished_at=func.now(), statut=statut, comptes=comptes, message=message)
        )


def run_source(
    engine: Engine,
    slug: str,
    path: Path,
    *,
    geocoder: Any = None,
    dedup: bool = True,
    progress: Progress | None = None,
    dataset: str | None = None,
) -> RunSummary:
    """Import one file of source ``slug`` as (a snapshot of) ``dataset`` (by default the
    file name without its date, ``dataset_of``)."""
    if slug not in SOURCES:
        raise EtlError(f"Source inconnue : {slug} (sources : {', '.join(sorted(SOURCES))}).")
    dataset = (dataset or "").strip() or dataset_of(Path(path), slug)
    summary = RunSummary(slug, Path(path).name, dataset)
    run_id, holder = _start_run(engine, slug, str(path), dataset)
    summary.run_id = run_id
    try:
        return _run(engine, slug, Path(path), run_id, summary, geocoder, dedup, progress)
    finally:
        _release_run(holder, run_id)


def _run(
    engine: Engine,
    slug: str,
    path: Path,
    run_id: int,
    summary: RunSummary,
    geocoder: Any,
    dedup: bool,
    progress: Progress | None,
) -> RunSummary:
    try:
        with engine.begin() as conn:
            _load(conn, slug, Path(path), run_id, summary, geocoder, progress)
            if summary.counts["inseres"] > 500:
                # fresh statistics, or the planner believes the tables are still empty
                conn.execute(text("ANALYZE offre, enregistrement_source"))  # no Core form
            if dedup and summary.offer_ids_changed:
                from etl.dedup import dedup_offers

                merged = dedup_offers(conn, summary.offer_ids_changed)
                summary.counts["fusionnes"] += merged
    except BadFile as exc:
        _finish_run(engine, run_id, "echec", summary.as_json(), exc.reason)
        raise EtlError(f"Fichier illisible ({Path(path).name}) : {exc.reason}") from exc
    except Exception as exc:
        _finish_run(engine, run_id, "echec", summary.as_json(), f"{type(exc).__name__}: {exc}")
        raise
    _finish_run(engine, run_id, "ok", summary.as_json(), None)
    return summary


@dataclass
class LoadPlan:
    """What a run changes, decided without the database (``plan_load``): records new to
    the source, records whose content changed (or that come back), records unchanged."""

    new: list[PreparedRecord] = field(default_factory=list)
    changed: list[tuple[Any, PreparedRecord]] = field(default_factory=list)  # (stored, new)
    unchanged_ids: list[int] = field(default_factory=list)  # enregistrement_source ids


def plan_load(
    prepared: list[PreparedRecord], existing: dict[str, Any], snapshot: str | None
) -> LoadPlan:
    """Compare the prepared records with the stored ones of the source (``existing``:
    source id → row with ``id, offre_id, empreinte, present``) by content hash. Pure: sets
    each record's ``empreinte`` and, for a source without dates, the file's date."""
    plan = LoadPlan()
    for rec in prepared:
        rec.empreinte = content_hash(rec.brut, rec.donnees)
        if not rec.donnees.get("date_maj") and snapshot and "date_maj_invalide" not in rec.fixes:
            # a source without dates (France Services): the file's date, outside the hash
            # so that the same content in a newer file stays "unchanged"; a record whose
            # date was a placeholder (1970-01-01) or unreadable keeps an unknown date
            rec.donnees["date_maj"] = snapshot
        old = existing.get(rec.source_id)
        if old is None:
            plan.new.append(rec)
        elif old.empreinte != rec.empreinte or not old.present:
            plan.changed.append((old, rec))
        else:
            plan.unchanged_ids.append(old.id)
    return plan


def _load(
    conn: Connection,
    slug: str,
    path: Path,
    run_id: int,
    summary: RunSummary,
    geocoder: Any,
    progress: Progress | None,
) -> None:
    """Read and prepare the file, store the rejects, plan the changes, store them."""
    source = SOURCES[slug]
    say = progress or (lambda _m: None)
    say(f"{slug} : lecture de {path.name}…")
    raws = list(source.read(path))
    summary.counts["lus"] = len(raws)
    prepared, rejects = prepare_records(conn, source, raws, geocoder=geocoder, progress=say)
    for rec in prepared:
        summary.fixes.update(rec.fixes)
        if rec.geocoded:
            summary.counts["geocodes"] += 1
    _store_rejects(conn, slug, run_id, rejects)
    summary.counts["rejetes"] = len(rejects)
    summary.rejects.update(r.reason_label for r in rejects)
    plan = plan_load(prepared, _stored_records(conn, slug), _snapshot_date(path))
    seen = [r.source_id for r in prepared] + [r.source_id for r in rejects if r.source_id]
    _store(conn, slug, run_id, plan, seen, summary, say)


def _store_rejects(conn: Connection, slug: str, run_id: int, rejects: list[Any]) -> None:
    if not rejects:
        return
    rows = [{"source_id": r.source_id, "code": r.code, "motif": r.reason, "brut": r.raw}
            for r in rejects]  # fmt: skip
    names = ("source_id", "code", "motif", "brut")
    e = json_records(rows, "e", *typed(rejet, *names))
    conn.execute(
        insert(rejet).from_select(
            ["import_run_id", "source", *names],
            select(literal(run_id), literal(slug), *(e.c[name] for name in names)),
        )
    )


def _stored_records(conn: Connection, slug: str) -> dict[str, Any]:
    """The source's stored records by source id."""
    rows = conn.execute(
        select(es.id, es.source_id, es.offre_id, es.empreinte, es.present).where(es.source == slug)
    )
    return {row.source_id: row for row in rows}


def _store(
    conn: Connection,
    slug: str,
    run_id: int,
    plan: LoadPlan,
    seen: list[str],
    summary: RunSummary,
    say: Progress,
) -> None:
    """Apply a LoadPlan: touch the unchanged, insert the new (with their offers), update
    the changed, mark the vanished, and rebuild the offers they belong to."""
    summary.counts["inchanges"] = len(plan.unchanged_ids)
    if plan.unchanged_ids:
        conn.execute(
            update(enregistrement_source)
            .where(any_of(es.id, plan.unchanged_ids))
            .values(derniere_vue=func.now(), dernier_run_id=run_id)
        )
    say(f"{slug} : {len(plan.new)} nouveaux, {len(plan.changed)} modifiés…")
    if plan.new:
        summary.offer_ids_changed.update(create_offers(conn, slug, plan.new, run_id, summary.jeu))
    summary.counts["inseres"] = len(plan.new)
    affected: set[int] = set()
    for old, rec in plan.changed:
        conn.execute(
            update(enregistrement_source)
            .where(es.id == old.id)
            .values(
                brut=jsonb_text(rec.brut),
                donnees=jsonb_text(rec.donnees),
                empreinte=rec.empreinte,
                present=True,
                derniere_vue=func.now(),
                modifie_le=func.now(),
                dernier_run_id=run_id,
            )
        )
        replace_permanences(conn, old.id, old.offre_id, rec)
        affected.add(old.offre_id)
    summary.counts["mis_a_jour"] = len(plan.changed)
    vanished_offers = _mark_vanished(conn, slug, summary.jeu, run_id, seen)
    summary.counts["disparus"] = len(vanished_offers)
    affected |= vanished_offers
    if affected:
        rebuild_offers(conn, affected)
        summary.offer_ids_changed.update(affected)


def _datasets(names: list[str]) -> Any:
    return literal(names, ARRAY(Text))


def _mark_vanished(
    conn: Connection, slug: str, dataset: str, run_id: int, seen: list[str]
) -> set[int]:
    """The records seen join ``dataset``; those of ``dataset`` this run did not see leave
    it, and are marked absent (never deleted) when no other dataset lists them. Returns
    the offers of the records marked absent."""
    listed = literal(dataset, Text) == any_(es.jeux_de_donnees)
    conn.execute(
        update(enregistrement_source)
        .where(es.source == slug, any_of(es.source_id, seen), ~listed)
        .values(jeux_de_donnees=func.array_append(es.jeux_de_donnees, literal(dataset, Text)))
    )
    vanished = conn.execute(
        update(enregistrement_source)
        .where(
            es.source == slug,
            es.present,
            es.jeux_de_donnees == _datasets([dataset]),
            ~any_of(es.source_id, seen),
        )
        .values(present=False, jeux_de_donnees=_datasets([]), dernier_run_id=run_id)
        .returning(es.offre_id)
    ).scalars()
    vanished_offers = set(vanished)
    conn.execute(
        update(enregistrement_source)
        .where(es.source == slug, listed, ~any_of(es.source_id, seen))
        .values(jeux_de_donnees=func.array_remove(es.jeux_de_donnees, literal(dataset, Text)))
    )
    return vanished_offers
