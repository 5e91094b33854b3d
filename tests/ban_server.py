"""A fake BAN ``POST /search/csv/`` server on 127.0.0.1 for tests (stdlib only).

It parses the multipart upload like the real service (``data`` file, repeatable ``columns``,
``citycode``, ``postcode``, optional ``result_columns`` and ``delimiter``), answers the
input columns followed by BAN's result columns, and looks answers up in a table the test
gives: ``{(query text, citycode or None): BanAnswer}``. Rows not in the table are
"not-found"; rows whose text is shorter than 3 characters or starts with a symbol are
"skipped", as addok does. It records every request, can fail with an HTTP status, answer
late, or become unreachable (its port closed).

Usage: ``with FakeBanServer(table) as ban: BanClient(ban.url)…`` or the ``ban_server``
pytest fixture (import ``ban_server_fixture`` into the test module).
"""

from __future__ import annotations

import csv
import email.parser
import email.policy
import io
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

# Order and names as in a real answer (see the Haute-Vienne file in shared/data/offers).
RESULT_COLUMNS = (
    "latitude",
    "longitude",
    "result_label",
    "result_score",
    "result_score_next",
    "result_type",
    "result_id",
    "result_housenumber",
    "result_name",
    "result_street",
    "result_postcode",
    "result_city",
    "result_context",
    "result_citycode",
    "result_oldcitycode",
    "result_oldcity",
    "result_district",
    "result_status",
)


@dataclass(frozen=True)
class BanAnswer:
    """What the fake returns for one query; ``citycode`` None = the requested filter value."""

    latitude: float
    longitude: float
    score: float
    result_type: str = "housenumber"
    citycode: str | None = None
    label: str | None = None
    city: str = ""
    postcode: str = ""
    context: str = ""
    score_next: float | None = None
    oldcitycode: str = ""
    oldcity: str = ""


@dataclass
class RecordedRequest:
    """One request the fake received: path, form fields (lists), uploaded CSV."""

    path: str
    form: dict[str, list[str]] = field(default_factory=dict)
    csv_text: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[dict[str, str]] = field(default_factory=list)


def _normalise(text: str) -> str:
    return " ".join(text.split()).casefold()


def closed_port_url() -> str:
    """URL of a local port nobody listens on (connections are refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _format_number(value: float | None) -> str:
    return "" if value is None else repr(float(value))


class FakeBanServer:
    """Threaded HTTP server speaking BAN's batch CSV format."""

    def __init__(self, table: Mapping[tuple[str, str | None], BanAnswer] | None = None):
        self.table = {(_normalise(q), code): a for (q, code), a in (table or {}).items()}
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._failures: list[int] = []  # HTTP status per upcoming request (0 = answer normally)
        self._delays: list[float] = []
        self._httpd: ThreadingHTTPServer | None = None
        self.url = ""

    # -- control
    def start(self) -> FakeBanServer:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def make_unreachable(self) -> None:
        """Close the port; ``url`` keeps pointing at it, so connections are refused."""
        self.stop()

    def fail_next(self, times: int = 1, status: int = 503, after: int = 0) -> None:
        """Answer ``status`` to ``times`` requests, after ``after`` normal answers."""
        with self._lock:
            self._failures = [0] * after + [status] * times

    def delay_next(self, seconds: float, times: int = 1) -> None:
        """Wait ``seconds`` before answering the next ``times`` requests (client timeouts)."""
        with self._lock:
            self._delays = [seconds] * times

    def add(self, query: str, answer: BanAnswer, citycode: str | None = None) -> None:
        self.table[(_normalise(query), citycode)] = answer

    @property
    def uploaded_rows(self) -> list[dict[str, str]]:
        return [row for request in self.requests for row in request.rows]

    def __enter__(self) -> FakeBanServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- behaviour
    def _next_failure_and_delay(self) -> tuple[int, float]:
        with self._lock:
            failure = self._failures.pop(0) if self._failures else 0
            delay = self._delays.pop(0) if self._delays else 0.0
        return failure, delay

    def lookup(self, query: str, citycode: str, postcode: str) -> BanAnswer | None:
        key = _normalise(query)
        return self.table.get((key, citycode or None)) or self.table.get((key, None))

    def answer_row(self, row: dict[str, str], form: dict[str, list[str]]) -> dict[str, str]:
        """The input row followed by BAN's result columns."""
        query = " ".join(row.get(c, "").strip() for c in form.get("columns", [])).strip()
        if not form.get("columns"):
            query = " ".join(v.strip() for v in row.values()).strip()
        citycode = row.get(form["citycode"][0], "") if form.get("citycode") else ""
        postcode = row.get(form["postcode"][0], "") if form.get("postcode") else ""
        result = dict.fromkeys(RESULT_COLUMNS, "")
        if len(query) < 3 or not query[0].isalnum():
            result["result_status"] = "skipped"
        elif (answer := self.lookup(query, citycode, postcode)) is None:
            result["result_status"] = "not-found"
        else:
            result.update(_result_fields(query, answer, citycode, postcode))
        wanted = form.get("result_columns") or list(RESULT_COLUMNS)
        return {**row, **{name: result.get(name, "") for name in wanted}}


def _result_fields(query: str, answer: BanAnswer, citycode: str, postcode: str) -> dict:
    code = answer.citycode or citycode
    label = answer.label or query
    number = label.split()[0] if answer.result_type == "housenumber" else ""
    street = label[len(number) :].strip() if number else label
    return {
        "latitude": _format_number(answer.latitude),
        "longitude": _format_number(answer.longitude),
        "result_label": label,
        "result_score": _format_number(answer.score),
        "result_score_next": _format_number(answer.score_next),
        "result_type": answer.result_type,
        "result_id": f"{code}_fake_{number or '0'}"
        if answer.result_type != "municipality"
        else code,
        "result_housenumber": number,
        "result_name": label,
        "result_street": street if answer.result_type in ("housenumber", "street") else "",
        "result_postcode": answer.postcode or postcode,
        "result_city": answer.city,
        "result_context": answer.context or (f"{code[:2]}" if code else ""),
        "result_citycode": code,
        "result_oldcitycode": answer.oldcitycode,
        "result_oldcity": answer.oldcity,
        "result_district": "",
        "result_status": "ok",
    }


def _parse_multipart(content_type: str, body: bytes) -> tuple[dict[str, list[str]], bytes | None]:
    """Form fields (text) and the ``data`` file bytes of a multipart/form-data body."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    form: dict[str, list[str]] = {}
    data = None
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if name == "data":
            data = payload
        elif name:
            form.setdefault(name, []).append(payload.decode("utf-8"))
    return form, data


def _handler_for(server: FakeBanServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # keep test output quiet

        def _send(self, status: int, text: str, content_type: str = "text/plain") -> None:
            body = text.encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", f"{content_type}; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            record = RecordedRequest(path=self.path)
            with server._lock:
                server.requests.append(record)
            failure, delay = server._next_failure_and_delay()
            if delay:
                time.sleep(delay)
            if failure:
                self._send(failure, "Service Unavailable")
                return
            if self.path.rstrip("/") != "/search/csv":
                self._send(404, "Not found")
                return
            record.form, data = _parse_multipart(self.headers.get("Content-Type", ""), body)
            if data is None:
                self._send(
                    400, '{"code":400,"message":"A CSV file must be provided in data field"}'
                )
                return
            try:
                record.csv_text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                self._send(400, '{"code":400,"message":"Errors in CSV file: encoding"}')
                return
            status, text = _answer_csv(server, record)
            self._send(status, text, "text/csv" if status == 200 else "application/json")

    return Handler


def _answer_csv(server: FakeBanServer, record: RecordedRequest) -> tuple[int, str]:
    """HTTP status and body answering one upload (400 for an unknown column, like BAN)."""
    delimiter = (record.form.get("delimiter") or [""])[0]
    first_line = record.csv_text.split("\n", 1)[0]
    delimiter = delimiter or max(",;\t|", key=first_line.count)
    reader = csv.DictReader(io.StringIO(record.csv_text), delimiter=delimiter)
    record.header = list(reader.fieldnames or [])
    record.rows = list(reader)
    unknown = [c for c in record.form.get("columns", []) if c not in record.header]
    if unknown:
        return 400, '{"code":400,"message":"At least one given column name is unknown"}'
    rows = [server.answer_row(row, record.form) for row in record.rows]
    out = io.StringIO()
    columns = record.header + (record.form.get("result_columns") or list(RESULT_COLUMNS))
    writer = csv.DictWriter(out, fieldnames=columns, delimiter=delimiter, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return 200, out.getvalue()


@pytest.fixture(name="ban_server")
def ban_server_fixture() -> Iterator[FakeBanServer]:
    """A started FakeBanServer with an empty table (fill it with ``.add``), stopped afterwards."""
    with FakeBanServer() as server:
        yield server
