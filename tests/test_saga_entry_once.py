"""The message that starts a saga, drawn after the service that publishes it and routed to a service
that does not receive it: one finding (``saga/entry``), not a second one from ``saga/step-owner``.

The shape is skedular/skedular's AddOrganizationPaymentMethod: User -> Payment Service ->
OrganizationPaymentMethodsUpdated -> Organization Service -> OrganizationUpserted. Organization
Service does not receive the event (a subscriber service of another name does): one cause, one fix.
"""

from __future__ import annotations

from test_saga_model import TEAMS, build, flow, message, model, msg_step, service, svc_step

FLOW = "add-payment-method"


def test_a_consumer_of_the_entry_message_that_does_not_receive_it_is_reported_once(tmp_path):
    pages = [
        ("saga-lint.yaml", f"sagas: [{FLOW}]\n"), *TEAMS,
        service("payment-service", "payments", sends=["methods-updated"]),
        service("organization-service", "ordering", sends=["organization-upserted"]),
        message("event", "methods-updated"), message("event", "organization-upserted"),
        flow(FLOW, [
            {"id": "user", "title": "User adds a payment method", "actor": {"name": "User"}, "next_step": "payment"},
            svc_step("payment", "payment-service", ("updated", None)),
            msg_step("updated", "methods-updated", ("organization", None)),
            svc_step("organization", "organization-service", ("upserted", None)),
            msg_step("upserted", "organization-upserted"),
        ]),
    ]
    _, findings = model(build(tmp_path, *pages))
    about = [(f.rule, f.message.split(".")[0]) for f in findings
             if f.rule.startswith("saga/") and "does not receive" in f.message]
    assert about == [("saga/entry", "the map routes methods-updated, the message that starts the saga, to "
                                    "organization-service, which does not receive it")]
