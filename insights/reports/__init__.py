"""The report catalogue. Each report module defines one `Report` and registers it in `CATALOGUE`."""
