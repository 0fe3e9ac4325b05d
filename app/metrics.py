"""Process-local metrics in the Prometheus text format (served at /metrics).

Each server process counts its own requests; with several workers, scrape each one
or run one process per port. Label values come from a bounded set so a client
inventing operation names cannot grow memory without limit.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response
from tortoise import connections

from models.enums import JobRunStatus
from services.schedules import run_counts
from shortcuts.sqlite import Checkpointer

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
MAX_OPERATION_NAMES = 500
OTHER = "other"

Labels = tuple[tuple[str, str], ...]


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(labels: Labels, extra: tuple[tuple[str, str], ...] = ()) -> str:
    pairs = [*labels, *extra]
    if not pairs:
        return ""
    return "{" + ",".join(f'{name}="{_escape(value)}"' for name, value in pairs) + "}"


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf"
    return repr(float(value)) if value != int(value) else str(int(value))


@dataclass
class Counter:
    name: str
    help: str
    values: dict[Labels, float] = field(default_factory=lambda: defaultdict(float))

    def inc(self, **labels: str) -> None:
        self.values[tuple(sorted(labels.items()))] += 1

    def value(self, **labels: str) -> float:
        return self.values.get(tuple(sorted(labels.items())), 0.0)

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} counter"]
        lines += [f"{self.name}{_labels(key)} {_number(v)}" for key, v in self.values.items()]
        return lines


@dataclass
class Gauge:
    name: str
    help: str
    current: float = 0.0
    labels: Labels = ()

    def set(self, value: float) -> None:
        self.current = value

    def render(self) -> list[str]:
        return [
            f"# HELP {self.name} {self.help}",
            f"# TYPE {self.name} gauge",
            f"{self.name}{_labels(self.labels)} {_number(self.current)}",
        ]


@dataclass
class Histogram:
    name: str
    help: str
    buckets: tuple[float, ...] = LATENCY_BUCKETS
    counts: dict[Labels, list[int]] = field(default_factory=dict)
    sums: dict[Labels, float] = field(default_factory=lambda: defaultdict(float))

    def observe(self, seconds: float, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        counts = self.counts.setdefault(key, [0] * (len(self.buckets) + 1))
        for index, bound in enumerate((*self.buckets, math.inf)):
            if seconds <= bound:
                counts[index] += 1
        self.sums[key] += seconds

    def count(self, **labels: str) -> int:
        counts = self.counts.get(tuple(sorted(labels.items())))
        return counts[-1] if counts else 0

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} histogram"]
        for key, counts in self.counts.items():
            for bound, count in zip((*self.buckets, math.inf), counts, strict=True):
                lines.append(f"{self.name}_bucket{_labels(key, (('le', _number(bound)),))} {count}")
            lines.append(f"{self.name}_sum{_labels(key)} {_number(self.sums[key])}")
            lines.append(f"{self.name}_count{_labels(key)} {counts[-1]}")
        return lines


class Registry:
    def __init__(self) -> None:
        self.http_requests = Counter(
            "memberhub_http_requests_total", "HTTP requests by method, path and status."
        )
        self.operations = Counter(
            "memberhub_graphql_operations_total",
            "GraphQL operations by operation name, type and outcome.",
        )
        self.latency = Histogram(
            "memberhub_graphql_operation_duration_seconds",
            "GraphQL operation latency by operation name.",
        )
        self.errors = Counter("memberhub_graphql_errors_total", "GraphQL errors by code.")
        self.erasures_pending = Gauge(
            "memberhub_erasures_pending",
            "Terminated members whose erased values may still be in the database's "
            "write-ahead log (a reader blocks the checkpoint), as last seen by this process.",
        )
        self.erasure_scrubs = Counter(
            "memberhub_erasure_scrubs_total",
            "Attempts to scrub erased values from the database files, by outcome "
            "(complete, blocked).",
        )
        self._operation_names: set[str] = set()

    def record_scrub(self, pending: int, scrubbed: bool | None) -> None:
        """A scrub of erased values from the database files (services/members/erasure.py);
        `scrubbed` is None when no erasure was pending."""
        if scrubbed is not None:
            self.erasure_scrubs.inc(outcome="complete" if scrubbed else "blocked")
        self.erasures_pending.set(pending)

    def operation_label(self, name: str | None) -> str:
        label = name or "anonymous"
        if label in self._operation_names:
            return label
        # Client-chosen: half a surrogate pair would fail every later scrape's encoding.
        label = label.encode(errors="replace").decode()
        if len(self._operation_names) >= MAX_OPERATION_NAMES:
            return OTHER
        self._operation_names.add(label)
        return label

    def render(
        self,
        job_runs: Mapping[tuple[str, JobRunStatus], int] | None = None,
        checkpointer: Checkpointer | None = None,
    ) -> str:
        """The process's metrics, the runs of scheduled jobs (`job_runs`, counted in the
        database) and the SQLite write-ahead log (`checkpointer`'s) when given."""
        metrics: list[Counter | Gauge | Histogram] = [
            self.http_requests,
            self.operations,
            self.latency,
            self.errors,
            self.erasures_pending,
            self.erasure_scrubs,
        ]
        if job_runs is not None:
            metrics.append(_job_runs(job_runs))
        if checkpointer is not None:
            metrics += _write_ahead_log(checkpointer)
        return "\n".join(line for metric in metrics for line in metric.render()) + "\n"


def _job_runs(counts: Mapping[tuple[str, JobRunStatus], int]) -> Counter:
    runs = Counter(
        "memberhub_job_runs_total",
        "Runs of scheduled jobs by job and status (RUNNING, OK, FAILED), by every worker and "
        "run-job: counted in the database, so every process reports all of them.",
    )
    for (job, status), count in counts.items():
        runs.values[(("job", job), ("status", status.value))] = count
    return runs


def _write_ahead_log(checkpointer: Checkpointer) -> list[Counter | Gauge | Histogram]:
    gauges: list[Counter | Gauge | Histogram] = [
        Gauge(
            "memberhub_sqlite_wal_bytes",
            "Size of the SQLite write-ahead log file, kept under MEMBERHUB_SQLITE_WAL_LIMIT_MB.",
            checkpointer.wal_size(),
        )
    ]
    if checkpointer.last is not None:
        mode, outcome, at = checkpointer.last
        gauges.append(
            Gauge(
                "memberhub_sqlite_last_checkpoint_timestamp_seconds",
                "When this process last checkpointed the write-ahead log, by mode (PASSIVE, "
                "TRUNCATE) and outcome (done; busy: a reader or writer kept it from "
                "finishing, retried at the next; failed: see the log).",
                at,
                (("mode", mode), ("outcome", outcome)),
            )
        )
    return gauges


METRICS = Registry()


async def metrics_endpoint(request: Request) -> Response:
    checkpointer = getattr(connections.get("default"), "checkpointer", None)
    return Response(METRICS.render(await run_counts(), checkpointer), media_type=CONTENT_TYPE)
