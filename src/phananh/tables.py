"""Every table, imported once so that Alembic and tests see the whole schema."""

from phananh.audit.tables import audit_blocks, audit_events, audit_verifications  # noqa: F401
from phananh.auth.tables import api_tokens, otp_codes, recovery_codes, security_events, users  # noqa: F401
from phananh.db import metadata  # noqa: F401
from phananh.directory.tables import agencies, areas, categories, routing_rules  # noqa: F401
from phananh.exports.tables import exports  # noqa: F401
from phananh.notifications.tables import notifications  # noqa: F401
from phananh.open311.tables import api_keys, category_attributes, open311_requests  # noqa: F401
from phananh.ops.tables import job_heartbeats, rules_versions  # noqa: F401
from phananh.provinces.tables import provinces  # noqa: F401
from phananh.reports.tables import events, identity_reads, media, reports  # noqa: F401
from phananh.security.tables import rate_counters  # noqa: F401
from phananh.sla.tables import calendar_days, sla_clocks, sla_policies  # noqa: F401
from phananh.stats.tables import stats_ratings, stats_report_facts, stats_reports, stats_stages  # noqa: F401
