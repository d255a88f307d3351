"""The fuzzers' fixed budget: seeded (the same cases on every run, in CI too), no deadline.

No example database either: a failure found once is kept as an explicit regression
test instead, where a reader sees it.
"""

from hypothesis import HealthCheck, settings


def fuzz_settings(max_examples: int) -> settings:
    return settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        # The fixtures (calls, accounts) are made once per test, not per example: wanted.
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
