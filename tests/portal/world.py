"""The enterprise side's part of the access matrix's world (matrix_portal.yaml).

Besides the matrix's usual world (issue X of E1, led by A), with the contact personas of
``contact_personas`` (C1 of E1, C2 of E2 only, Cx whose link to E1 ended):

- {P_contact}: a contact of E1 with an e-mail address and no portal account yet, whom staff
  may invite; {P_linked}: C1's link (EnterpriseContact row), which staff may end.
"""

from roundtable.enterprises.models import EnterpriseContact


def build(personas, x, ids) -> dict:
    enterprise_1 = x.enterprise
    invitee = EnterpriseContact.objects.create(
        enterprise=enterprise_1, name="Invitee", email="invitee@example.test"
    )
    linked = EnterpriseContact.objects.get(enterprise=enterprise_1, user=personas["C1"])
    return {"P_contact": invitee.pk, "P_linked": linked.pk}
