"""The learner's record beyond the course: taking the portfolio away (exports), bringing achievement in from another
centre (transfers), how long each kind of record is kept and its destruction (retention), data-subject requests
(gdpr), and the deployment's backup and restore (this package's own commands).

Each part is its own Django app (records.exports, records.transfers, records.retention, records.gdpr); together they
are the layer above insights: they read every app below and nothing below imports them.
"""
