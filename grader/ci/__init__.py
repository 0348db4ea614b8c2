"""``grade ci``: grade a repository once and write what CI systems read.

One graded ``Report`` (``grader.api.check_submission``, as ``grade --profile ci check`` makes it)
becomes, each in its own module: GitHub Classroom's runner result (``classroom``, with its scores
rounded so the reporter adds them up exactly: ``scores``), a Markdown job summary (``summary``),
workflow annotations at the learner's ``def`` lines (``annotations``, ``locations``), JUnit XML
(``junit``) and Gradescope's results.json (``grader.report.gradescope``). ``run`` ties them
together. ``workflow`` writes the Classroom workflow of a student edition, ``autograder`` the
Gradescope autograder zip. Kept import-free.
"""
