"""Conversation and community around the portfolio: messages between a learner and their staff (conversations),
witness statements written from an emailed link (witness), cohort groups with their discussion boards (groups),
and what learners share with their group, with owner-moderated peer comments and reports (sharing).

Each part is its own Django app; together they are the layer above insights and below records: they read the
apps below (evidence, criteria, the showcase) and nothing below imports them.
"""
