"""The saga model: flows read as sagas (x-saga, or inferred from plain EventCatalog flows).

``model`` holds the dataclasses; ``build`` decides which flows are sagas and builds each one from
``xsaga`` (the structured block), ``infer`` (plain flows and contracts) and ``docs`` (docs pages
about the flow); ``values`` reads plain frontmatter shapes.
"""

from saga_lint.saga.build import build_saga, build_sagas, is_saga
from saga_lint.saga.model import ATTRIBUTES, Evidence, RetryPolicy, Saga, SagaStep, StepFailure, parse_duration

__all__ = [
    "ATTRIBUTES", "Evidence", "RetryPolicy", "Saga", "SagaStep", "StepFailure",
    "build_saga", "build_sagas", "is_saga", "parse_duration",
]
