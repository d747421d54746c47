"""Every report, registered in `insights.reports.base.CATALOGUE` on import."""

from . import (
    achievement,  # noqa: F401
    at_risk,  # noqa: F401
    inactivity,  # noqa: F401
    planned_end,  # noqa: F401
    progress,  # noqa: F401
    quality,  # noqa: F401
    workload,  # noqa: F401
)
