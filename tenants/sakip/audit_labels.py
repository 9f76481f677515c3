"""SAKIP's audit codes in words (msgids of the app's catalogue), for the regency's log.

The log stores codes so it can be filtered; without these an Indonesian admin
would read "Sakip · plan · create". Every ``action="sakip...."`` the app
records needs its line here (``tests/tenants/sakip/test_audit_words.py`` walks
the source for them).
"""

from __future__ import annotations

from .messages import N_

AUDIT_LABELS = {
    # events
    "sakip.plan.create": N_("Performance plan created"),
    "sakip.plan.update": N_("Performance plan changed"),
    "sakip.plan.approve": N_("Performance plan approved"),
    "sakip.plan.revise": N_("Performance plan revision opened"),
    "sakip.element.create": N_("Plan element added"),
    "sakip.element.update": N_("Plan element changed"),
    "sakip.element.delete": N_("Plan element removed"),
    "sakip.indicator.create": N_("Performance indicator added"),
    "sakip.indicator.update": N_("Performance indicator changed"),
    "sakip.indicator.delete": N_("Performance indicator removed"),
    "sakip.indicator.link": N_("Indicator linked to Pelayanan Publik"),
    "sakip.indicator.unlink": N_("Indicator unlinked from Pelayanan Publik"),
    "sakip.agreement.create": N_("Performance agreement drafted"),
    "sakip.agreement.target": N_("Performance agreement target set"),
    "sakip.agreement.budget": N_("Budget put behind a performance agreement target"),
    "sakip.agreement.sign": N_("Performance agreement signed"),
    "sakip.agreement.revise": N_("Performance agreement revision opened"),
    "sakip.realization.enter": N_("Quarterly realization entered"),
    "sakip.realization.month": N_("Monthly realization entered"),
    "sakip.realization.take": N_("Realization taken from Pelayanan Publik"),
    "sakip.realization.verified": N_("Realization verified"),
    "sakip.realization.returned": N_("Realization returned for correction"),
    "sakip.evidence.add": N_("Realization evidence uploaded"),
    "sakip.evaluation.start": N_("SAKIP evaluation started"),
    "sakip.evaluation.submit": N_("Evaluation worksheet submitted to the evaluator"),
    "sakip.evaluation.return": N_("Evaluation worksheet returned with notes"),
    "sakip.evaluation.finalize": N_("SAKIP evaluation finalised"),
    "sakip.evaluation.carry_over": N_("Last year's evaluation evidence carried over"),
    "sakip.narrative": N_("LKjIP narrative saved"),
    "sakip.settings": N_("SAKIP settings changed"),
    # what entries are about
    "sakip_plan": N_("Performance plan"),
    "sakip_element": N_("Plan element"),
    "sakip_indicator": N_("Performance indicator"),
    "sakip_indicator_link": N_("Indicator link to Pelayanan Publik"),
    "sakip_agreement": N_("Performance agreement"),
    "sakip_realization": N_("Realization"),
    "sakip_evaluation": N_("SAKIP evaluation"),
    "sakip_narrative": N_("LKjIP narrative"),
    "sakip_settings": N_("SAKIP settings"),
    # snapshot fields (the core names code, kind, name, status and version)
    "amount": N_("Amount"),
    "cap_percent": N_("Achievement cap (%)"),
    "capability": N_("Source app"),
    "criteria": N_("Criteria carried over"),
    "element_id": N_("Plan element"),
    "file": N_("File"),
    "indicator_lineage": N_("Indicator"),
    "label": N_("Linked as"),
    "level": N_("Agreement level"),
    "measure": N_("Measure"),
    "month": N_("Month"),
    "monthly_realization": N_("Monthly realization"),
    "negative_formula": N_("Formula for negative indicators"),
    "note": N_("Note"),
    "org_unit_id": N_("OPD"),
    "period": N_("Period"),
    "plan_id": N_("Performance plan"),
    "quarter": N_("Quarter"),
    "reason": N_("Reason"),
    "revises": N_("Revision of"),
    "revision": N_("Revision number"),
    "section": N_("Report section"),
    "serves_lineage": N_("Serves"),
    "service_id": N_("Service"),
    "signed_on": N_("Signed on"),
    "size": N_("Size (bytes)"),
    "source": N_("Source"),
    "start_year": N_("First year"),
    "statement": N_("Statement"),
    "title": N_("Title"),
    # An indicator's unit of measure ("%", "orang"); e-Kinerja records an org unit
    # under the same key, and the later app's word wins when both are installed.
    "unit": N_("Unit of measure"),
    "value": N_("Figure"),
    "year": N_("Year"),
    "year_target": N_("Target for the year"),
}
