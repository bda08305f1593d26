"""Integer path parameters with their column's range: a value outside it names nothing.

FastAPI checks the range before the route runs, and `phananh.errors` answers a path that fails its
checks with 404 (never a 500 from the database's overflow, never a 422 for a URL that names nothing).
"""

from typing import Annotated

from fastapi import Path

from phananh.reports.codes import BIGINT_MAX, INT_MAX

BigId = Annotated[int, Path(ge=1, le=BIGINT_MAX, description="a row id (1 to 2^63-1)")]
SmallId = Annotated[int, Path(ge=1, le=INT_MAX, description="a row id (1 to 2^31-1)")]
