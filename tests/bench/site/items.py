"""The context both anchor views render: 20 items, the size of a short list page."""

import datetime

ITEM_COUNT = 20
_START = datetime.date(2026, 9, 1)


def items_context() -> dict:
    return {"items": [{"number": i + 1, "title": f"Evidence item {i + 1}", "status": ("draft", "submitted")[i % 2],
                       "date": _START + datetime.timedelta(days=i)} for i in range(ITEM_COUNT)]}
