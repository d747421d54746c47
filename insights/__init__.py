"""Management information: live reports of progress, achievement, timeliness, workload, quality assurance and
risk, each with its formula on the page, filters, drill-down to learners, charts and exports.

Every report is a function of a queryset of enrolments (already scoped to what the person may see) and the
filters; it runs a fixed number of queries whatever the number of learners.
"""
