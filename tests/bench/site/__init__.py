"""Two web sites the bench serves with gunicorn to anchor its throughput ratios.

``bare_settings``: Django with no middleware, no apps and no database, rendering ``bench/items.html`` (20
items). ``leap_settings``: LEAP's own settings, middleware and URLs, plus ``/bench/trivial/``, which renders the
same template for a signed-in person. The difference between the two is LEAP's framework overhead; LEAP's real
pages are then compared with the trivial one.
"""
