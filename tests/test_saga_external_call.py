"""A choreographed step whose participant calls an external system before it publishes, read as a saga.

The shape is luiscib3r/eda-workshop's FileProcessing: FilePageRegisteredEvent is drawn to OCR LLM
Service, which calls the OpenAI API (an ``externalSystem`` node), drawn on to
FilePageOcrGeneratedEvent, the event OCR LLM Service sends. The call is part of the service's
local transaction: the service acts (it publishes the event drawn after the system it calls), so
the event starts a step, and the event is its success.
"""

from __future__ import annotations

from test_saga_model import TEAMS, build, flow, message, model, msg_step, service, svc_step

FLOW = "file-processing"
CONFIG = ("saga-lint.yaml", f"sagas: [{FLOW}]\n")


def _external(sid: str, name: str, *edges: tuple[str, str | None]) -> dict:
    step: dict = {"id": sid, "title": name, "externalSystem": {"name": name, "summary": "An API."}}
    if edges:
        step["next_steps"] = [{"id": t, **({"label": label} if label else {})} for t, label in edges]
    return step


def _pages(ocr_edges: tuple[tuple[str, str | None], ...]) -> list[tuple[str, str]]:
    return [
        CONFIG, *TEAMS,
        service("render-service", "stock", sends=["page-rendered"], receives=["file-uploaded"]),
        service("ocr-service", "ordering", sends=["page-ocr-generated"], receives=["page-rendered"]),
        *(message("event", e) for e in ("file-uploaded", "page-rendered", "page-ocr-generated")),
        flow(FLOW, [
            msg_step("uploaded", "file-uploaded", ("render", None)),
            svc_step("render", "render-service", ("rendered", None)),
            msg_step("rendered", "page-rendered", ("ocr", None)),
            svc_step("ocr", "ocr-service", *ocr_edges),
            _external("openai", "OpenAI API", ("generated", "Returns the text")),
            msg_step("generated", "page-ocr-generated"),
        ]),
    ]


def test_an_event_to_a_service_that_publishes_after_calling_an_external_system_starts_a_step(tmp_path):
    sagas, _ = model(build(tmp_path, *_pages((("openai", "Sends the image"),))))
    steps = {s.id: s for s in sagas[FLOW].steps}
    assert list(steps) == ["uploaded", "rendered"]
    ocr = steps["rendered"]
    assert ocr.participant is not None and ocr.participant.id == "ocr-service"
    assert ocr.success == "page-ocr-generated" and ocr.evidence["success"].level == "contract"
    assert ocr.type == "pivot"  # the last step of the success path, not the render step before it


def test_an_external_system_another_path_merges_into_is_not_the_services_call(tmp_path):
    """The upload is also drawn straight to the API: the API is no call of OCR Service's own, and
    the step after the rendered page is not found (as before)."""
    pages = _pages((("openai", "Sends the image"),))
    path, text = pages[-1]
    pages[-1] = (path, text.replace("- id: render\n", "- id: openai\n  - id: render\n", 1))
    sagas, _ = model(build(tmp_path, *pages))
    assert [s.id for s in sagas[FLOW].steps] == ["uploaded"]
