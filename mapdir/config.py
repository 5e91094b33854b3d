"""Settings: declared once (name, default, help), read from environment variables.

Every setting is documented in ``.env.example``; a test fails when one is missing there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "DATABASE_URL",
        "",
        "SQLAlchemy URL of an external PostGIS (>= 3). Empty: the embedded cluster under "
        "MAPDIR_VAR_DIR/postgres is used.",
    ),
    Setting("MAPDIR_VAR_DIR", str(PROJECT_ROOT / "var"), "Git-ignored folder for runtime state."),
    Setting(
        "MAPDIR_PG_PORT",
        "54329",
        "Port of the embedded PostgreSQL cluster (its Unix socket in var/postgres/run, and "
        "127.0.0.1).",
    ),
    Setting("MAPDIR_PG_DATABASE", "mapdir", "Database name in the embedded cluster."),
    Setting(
        "MAPDIR_DATA_DIR",
        "",
        "Folder holding the source files (offline mirror). Empty: ../shared/data when it "
        "exists, otherwise files are downloaded into MAPDIR_VAR_DIR/cache.",
    ),
    Setting("MAPDIR_SECRET_KEY", "", "Flask secret key. Empty: a random key kept in var/."),
    Setting(
        "MAPDIR_TILE_URL",
        "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png",
        "Map tile server URL template.",
    ),
    Setting(
        "MAPDIR_TILE_ATTRIBUTION",
        "© contributeurs OpenStreetMap",
        "Attribution shown on the map tiles.",
    ),
    Setting("MAPDIR_DETOUR_FACTOR", "1.3", "Road distance ≈ straight line × this factor."),
    Setting("MAPDIR_SPEED_KMH", "50", "Average drive speed used for estimated drive times."),
    Setting("MAPDIR_COVERED_MIN", "20", "Access time (minutes) under which a commune is covered."),
    Setting("MAPDIR_WHITE_ZONE_MIN", "30", "Access time (minutes) above which: zone blanche."),
    Setting("MAPDIR_WALK_DETOUR_FACTOR", "1.3", "Walking distance ≈ straight line × this factor."),
    Setting("MAPDIR_WALK_SPEED_KMH", "4.5", "Walking speed (mode sans_voiture)."),
    Setting(
        "MAPDIR_WALK_THRESHOLD_MIN",
        "30",
        "Default accessibility threshold (minutes) without a car; by car: MAPDIR_COVERED_MIN.",
    ),
    Setting(
        "MAPDIR_BAND_WEIGHTS",
        "1.0,0.68,0.22",
        "Accessibility weights of the three thirds of the threshold (Luo & Qi's bands).",
    ),
    Setting(
        "MAPDIR_DEFAULT_WEEKLY_HOURS",
        "19",
        "Weekly hours of an offer without readable hours (the lower quartile of the readable "
        "ones); such offers are flagged heures_estimees.",
    ),
    Setting(
        "MAPDIR_STOP_WEEKLY_HOURS",
        "3",
        "Weekly hours of a proposed itinerant stop (one half-day), and of a permanence "
        "without readable hours.",
    ),
    Setting(
        "MAPDIR_BOURG_RADIUS_M",
        "1500",
        "An offer of a commune within this distance of where its people live counts as "
        "reached at once (in the bourg).",
    ),
    Setting(
        "MAPDIR_UNDERSERVED_FRACTION",
        "0.5",
        "A commune is sous-dotée below this fraction of the département's median "
        "accessibility (need-weighted).",
    ),
    Setting(
        "MAPDIR_FRESHNESS_WARNING_MONTHS",
        "24",
        "Result cards and offer pages warn about an offer whose information is older than "
        "this many months without any confirmation (from a source or an animator); younger "
        "ones show their date in neutral words.",
    ),
    Setting("MAPDIR_ROTA_MAX_DRIVE_MIN", "180", "Maximum driving per day of a rota (minutes)."),
    Setting(
        "MAPDIR_BAN_URL",
        "https://api-adresse.data.gouv.fr",
        "Base URL of the national address service (BAN geocoder).",
    ),
    Setting("MAPDIR_BAN_MIN_SCORE", "0.75", "Minimum BAN score to accept a geocoding result."),
    Setting("MAPDIR_SECURE_COOKIES", "1", "1: session cookies carry the Secure flag."),
    Setting(
        "MAPDIR_REQUEST_READ_TIMEOUT_S",
        "30",
        "Seconds the gunicorn worker waits for a whole request (line, headers, body) from "
        "its first byte; a slower client is cut. Behind a buffering proxy it never triggers.",
    ),
    Setting(
        "MAPDIR_WIDGET_FRAME_ANCESTORS",
        "*",
        "CSP frame-ancestors of the views marked embeddable (the widget): the sites allowed "
        "to frame them, e.g. 'https://www.haute-vienne.fr https://*.gouv.fr'. Every other "
        "page refuses framing ('none').",
    ),
    Setting(
        "MAPDIR_PUBLIC_URL",
        "",
        "Public base URL of the site (links in exports, calendar feeds, the OGC API, the "
        "widget's snippet). Empty: taken from each request; the CLI then writes no links.",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def default_data_dir() -> Path | None:
    shared = PROJECT_ROOT.parent / "shared" / "data"
    return shared if shared.is_dir() else None


@dataclass
class Settings:
    values: dict[str, str]

    @classmethod
    def from_env(cls, overrides: dict[str, str] | None = None) -> Settings:
        values = {s.name: os.environ.get(s.name, s.default) for s in SETTINGS}
        if overrides:
            unknown = set(overrides) - set(_BY_NAME)
            if unknown:
                raise KeyError(f"unknown settings: {sorted(unknown)}")
            values.update(overrides)
        return cls(values)

    def __getitem__(self, name: str) -> str:
        return self.values[name]

    @property
    def var_dir(self) -> Path:
        return Path(self.values["MAPDIR_VAR_DIR"])

    @property
    def data_dir(self) -> Path | None:
        configured = self.values["MAPDIR_DATA_DIR"]
        return Path(configured) if configured else default_data_dir()

    @property
    def cache_dir(self) -> Path:
        return self.var_dir / "cache"

    def float(self, name: str) -> float:
        return float(self.values[name])
