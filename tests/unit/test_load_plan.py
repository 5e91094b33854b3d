"""The pure diff step of a source run (etl.load.plan_load): new, changed, unchanged."""

from __future__ import annotations

from types import SimpleNamespace

from etl.load import content_hash, plan_load
from etl.prepare import PreparedRecord


def _stored(id_: int, rec: PreparedRecord, present: bool = True, hash_: str | None = None):
    empreinte = hash_ or content_hash(rec.brut, rec.donnees)
    return SimpleNamespace(id=id_, offre_id=id_ * 10, empreinte=empreinte, present=present)


def test_records_are_new_changed_or_unchanged_by_content_hash() -> None:
    same = PreparedRecord("a", {"nom": "A"}, {"nom": "A"})
    edited = PreparedRecord("b", {"nom": "B2"}, {"nom": "B2"})
    back = PreparedRecord("c", {"nom": "C"}, {"nom": "C"})
    fresh = PreparedRecord("d", {"nom": "D"}, {"nom": "D"})
    existing = {
        "a": _stored(1, same),
        "b": _stored(2, edited, hash_="old"),
        "c": _stored(3, back, present=False),  # vanished earlier, seen again
    }
    plan = plan_load([same, edited, back, fresh], existing, None)
    assert plan.unchanged_ids == [1]
    assert [(old.id, rec.source_id) for old, rec in plan.changed] == [(2, "b"), (3, "c")]
    assert [r.source_id for r in plan.new] == ["d"]
    assert fresh.empreinte == content_hash({"nom": "D"}, {"nom": "D"})


def test_a_source_without_dates_takes_the_file_date_outside_the_hash() -> None:
    undated = PreparedRecord("a", {"nom": "A"}, {"nom": "A"})
    placeholder = PreparedRecord("b", {"nom": "B"}, {"nom": "B"}, fixes=["date_maj_invalide"])
    plan = plan_load([undated, placeholder], {}, "2024-08-01")
    assert undated.donnees["date_maj"] == "2024-08-01"
    assert undated.empreinte == content_hash({"nom": "A"}, {"nom": "A"})
    assert "date_maj" not in placeholder.donnees  # a placeholder date stays unknown
    assert len(plan.new) == 2
