"""Account roles (the editing tables are created by migration 0005 and queried with SQL)."""

ROLES = ("admin", "animateur", "structure")
