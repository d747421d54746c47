"""Manual at-risk flags: a staff member raises one on a learner with a reason, and clears it with a note."""
