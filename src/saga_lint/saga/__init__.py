"""The saga model: flows read as sagas (x-saga, or inferred from plain EventCatalog flows)."""

from saga_lint.saga.build import build_saga, build_sagas, is_saga
from saga_lint.saga.model import ATTRIBUTES, Evidence, RetryPolicy, Saga, SagaStep, StepFailure, parse_duration

__all__ = [
    "ATTRIBUTES", "Evidence", "RetryPolicy", "Saga", "SagaStep", "StepFailure",
    "build_saga", "build_sagas", "is_saga", "parse_duration",
]
