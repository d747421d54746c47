"""External quality assurance (EQA): the grants through which an awarding body's external moderator sees a
scoped, read-only part of a centre for a limited time, the sample packs built from a grant, and EQA reports."""
