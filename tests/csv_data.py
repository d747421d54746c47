def cohort_csv(n: int, assessor_email: str, *, start: int = 0, bad_line: int | None = None,
               delimiter: str = ",") -> bytes:
    """A cohort file of `n` learners; `bad_line` (a file line number, header = 1) gets a broken email."""
    lines = [delimiter.join(["first_name", "last_name", "email", "assessor_email"])]
    for i in range(start, start + n):
        email = f"learner{i}@cohort.example.org"
        if bad_line is not None and len(lines) + 1 == bad_line:
            email = "not-an-email"
        lines.append(delimiter.join([f"First{i}", f"Last{i}", email, assessor_email]))
    return ("\n".join(lines) + "\n").encode()
