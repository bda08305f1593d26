from sqlalchemy import BigInteger, Column, Index, String, Table

from phananh.db import metadata

# One fixed window of one budget for one key (an IP, a phone, an account, an API key): the database storage of
# phananh.security.limits when Redis is not configured. Times are milliseconds since the epoch (wall clock).
rate_counters = Table(
    "rate_counters",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("used", BigInteger, nullable=False),
    Column("quota", BigInteger, nullable=False),
    Column("window_end_ms", BigInteger, nullable=False),
    Index("ix_rate_counters_window_end_ms", "window_end_ms"),
)
