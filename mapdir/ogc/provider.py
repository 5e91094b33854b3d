"""pygeoapi's PostgreSQL provider on the driver mapdir uses (psycopg 3).

pygeoapi's ``PostgreSQLProvider`` names the psycopg2 driver; everything else (reflection of
the view, bbox, paging, property and CQL filters, GeoJSON) is pygeoapi's own code. This
class only picks the other driver, so that the project needs no second PostgreSQL driver,
and gives the properties in the view's column order (pygeoapi selects them through a set:
a different order in each process, the HTML table's columns shuffled).
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

    def _sqlalchemy_to_feature(self, item, crs_transform_out=None):
        feature = super()._sqlalchemy_to_feature(item, crs_transform_out)
        props = feature["properties"]
        ordered = {name: props[name] for name in self.fields if name in props}
        feature["properties"] = ordered | {k: v for k, v in props.items() if k not in ordered}
        return feature
