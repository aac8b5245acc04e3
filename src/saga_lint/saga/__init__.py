"""The saga model: flows read as sagas (x-saga, or inferred from plain EventCatalog flows).

``model`` holds the dataclasses; ``build`` decides which flows are sagas and builds each one from
``xsaga`` (the structured block), ``infer`` (contracts and the flow map) and ``docs`` (docs pages
about the flow); ``flowmap`` is the one reader of a flow's drawing (every node kind, labelled
edges with their key paths, branches, outcomes, failure signals; kept on ``Saga.flowmap`` for the
rules); ``coordination`` finds the steps and the style (orchestration, choreography,
mixed); ``copies`` marks a saga that repeats another one's steps; ``values`` reads plain
frontmatter shapes.
"""

from saga_lint.saga.build import build_saga, build_sagas, is_saga, saga_reason
from saga_lint.saga.model import ATTRIBUTES, Evidence, RetryPolicy, Saga, SagaStep, StepFailure, parse_duration

__all__ = [
    "ATTRIBUTES", "Evidence", "RetryPolicy", "Saga", "SagaStep", "StepFailure",
    "build_saga", "build_sagas", "is_saga", "parse_duration", "saga_reason",
]
