"""The directory in data·inclusion schema v1 (structures and services), for the national hub.

``mapping`` turns one offer (and its permanences) into records (pure functions, the reviewed
table ``data/data-inclusion-v1.csv``), ``queries`` selects the offers and pages through them,
``validation`` checks records against data·inclusion's own JSON Schema. The field-by-field
mapping and the granularity decision: docs/data-inclusion.md.
"""
