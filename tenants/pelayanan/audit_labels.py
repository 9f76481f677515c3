"""Pelayanan Publik's audit codes in words (msgids of the app's catalogue), for the regency's log.

The log stores codes so it can be filtered; without these an Indonesian admin
would read "Pelayanan · complaint · verify". Every ``action="pelayanan...."`` the
app records needs its line here (``tests/tenants/pelayanan/test_audit_words.py``
walks the source for them), and so does each field of the complaint rules.
"""

from __future__ import annotations

from .messages import N_

AUDIT_LABELS = {
    # events
    "pelayanan.complaint.verify": N_("Complaint verified"),
    "pelayanan.complaint.hold": N_("Complaint put on hold"),
    "pelayanan.complaint.decline": N_("Complaint declined as not the regency's authority"),
    "pelayanan.complaint.archive": N_("Complaint archived"),
    "pelayanan.complaint.dispatch": N_("Complaint dispatched to OPDs"),
    "pelayanan.complaint.respond": N_("Complaint answered by an OPD"),
    "pelayanan.complaint.duplicate": N_("Complaint marked as a duplicate"),
    "pelayanan.escalate": N_("Complaints escalated before their deadline"),
    "pelayanan.settings": N_("Complaint rules changed"),
    "pelayanan.lapor.settings": N_("SP4N-LAPOR! connection changed"),
    "pelayanan.lapor.sync": N_("Synced with SP4N-LAPOR!"),
    "pelayanan.service.create": N_("Service standard drafted"),
    "pelayanan.service.update": N_("Service standard changed"),
    "pelayanan.service.consult": N_("Public consultation of a service standard opened"),
    "pelayanan.service.consult_record": N_("Public consultation recorded"),
    "pelayanan.service.approve": N_("Service standard approved"),
    "pelayanan.service.publish": N_("Service standard published"),
    # what entries are about (the core names "settings")
    "complaint": N_("Complaint"),
    "service": N_("Service standard"),
    "sync_run": N_("SP4N-LAPOR! sync"),
    # snapshot fields (the core names name and status)
    "base_url": N_("Server address"),
    "close_after_days": N_("Days the reporter has to reply before it closes (working days)"),
    "closes": N_("Consultation closes"),
    "count": N_("Complaints escalated"),
    "dispatch_id": N_("OPD dispatch"),
    "duplicate_of_id": N_("Marked as a duplicate of"),
    "enabled": N_("Sync on"),
    "escalate_before_days": N_("Escalate this many working days before a deadline"),
    "max_attachment_kb": N_("Largest file (KB)"),
    "max_attachments": N_("Files per complaint"),
    "opens": N_("Consultation opens"),
    "org_unit_ids": N_("OPDs"),
    "participants": N_("Participants"),
    "pulled": N_("Updates read from SP4N-LAPOR!"),
    "pushed": N_("Complaints sent to SP4N-LAPOR!"),
    "respond_days": N_("Days for an OPD to answer (working days)"),
    "survey_answers_per_day": N_("Survey answers per address, service and day"),
    "token_replaced": N_("Token replaced"),
    "token_set": N_("Token stored"),
    "verify_days": N_("Days to verify a new complaint (working days)"),
}
