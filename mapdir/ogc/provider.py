"""pygeoapi's PostgreSQL provider on the driver mapdir uses (psycopg 3).

pygeoapi's ``PostgreSQLProvider`` names the psycopg2 driver; everything else (reflection of
the view, bbox, paging, property and CQL filters, GeoJSON) is pygeoapi's own code. This
class only picks the other driver, so that the project needs no second PostgreSQL driver.
"""

from __future__ import annotations

from pygeoapi.provider.sql import GenericSQLProvider
from pygeoapi.provider.sql import PostgreSQLProvider as PygeoapiPostgreSQLProvider


class PostgreSQLProvider(PygeoapiPostgreSQLProvider):
    def __init__(self, provider_def: dict):
        GenericSQLProvider.__init__(
            self,
            provider_def,
            "postgresql+psycopg",
            {"client_encoding": "utf8", "application_name": "mapdir-ogc"},
        )
