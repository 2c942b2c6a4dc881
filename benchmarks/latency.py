"""What a load run measured of one kind of request: latencies, errors, and the time it took."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Result:
    latencies: list[float]  # seconds, of the requests that got a response
    seconds: float
    errors: int

    def percentile(self, p: float) -> float:
        """The p-th percentile latency in milliseconds (nearest rank)."""
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000

    def add(self, other: Result) -> None:
        self.latencies += other.latencies
        self.seconds += other.seconds
        self.errors += other.errors

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0
