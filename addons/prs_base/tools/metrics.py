"""Prometheus / OpenMetrics text exposition (pure Python, no ORM).

A family is ``{"name", "type" (counter/gauge/histogram), "help", "samples"}`` with
samples ``(suffix, labels, value)``: suffix ``"_total"`` for a counter, ``"_bucket"``
(label ``le``), ``"_sum"``, ``"_count"`` for a histogram, ``""`` for a gauge.
"""

import math

PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8"
OPENMETRICS_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8"


def _escape(value):
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value):
    if value == math.inf:
        return "+Inf"
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def _labels(labels):
    if not labels:
        return ""
    inner = ",".join(f'{name}="{_escape(value)}"' for name, value in labels.items())
    return "{" + inner + "}"


def render(families, openmetrics=False):
    """The exposition text of ``families`` (Prometheus 0.0.4, or OpenMetrics 1.0)."""
    lines = []
    for family in families:
        name, kind = family["name"], family["type"]
        # Prometheus names a counter's family after its sample (``x_total``);
        # OpenMetrics after the counter (``x``)
        declared = f"{name}_total" if kind == "counter" and not openmetrics else name
        lines.append(f"# HELP {declared} {_escape(family['help'])}")
        lines.append(f"# TYPE {declared} {kind}")
        for suffix, labels, value in family["samples"]:
            lines.append(f"{name}{suffix}{_labels(labels)} {_number(value)}")
    if openmetrics:
        lines.append("# EOF")
    return "\n".join(lines) + "\n"


def histogram_samples(buckets, rows):
    """Samples of a histogram from ``rows`` of ``(labels, counts, total, count)``:
    ``counts``: ``{upper bound: observations in that bucket only}`` (``math.inf`` for
    the last); the ``_bucket`` samples are cumulative, as the format wants."""
    samples = []
    for labels, counts, total, count in rows:
        running = 0
        for bound in [*buckets, math.inf]:
            running += counts.get(bound, 0)
            samples.append(("_bucket", {**labels, "le": _number(bound)}, running))
        samples.append(("_sum", labels, total))
        samples.append(("_count", labels, count))
    return samples


def bucket_of(buckets, value):
    """The upper bound of the bucket ``value`` falls in (``math.inf`` past the last)."""
    for bound in buckets:
        if value <= bound:
            return bound
    return math.inf
