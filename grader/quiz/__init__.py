"""Quizzes: TOML files in ``quizzes/`` graded offline, with per-student variants and hashed keys.

Modules, each one responsibility: ``model`` (what a quiz is), ``loader`` (TOML to model,
validated), ``tolerance`` (numeric rules and the hashing grid), ``credit`` (partial credit),
``answers`` (a learner's answers file, templates), ``variants`` and ``generators`` (per-student
numbers, answers from the reference solutions), ``keys`` (salted scrypt hashes),
``grading`` (answers to results), ``studentcopy`` (the copy without keys), ``session`` (what
``grade quiz`` does), ``text`` and ``interactive`` (the terminal). The format is documented in
docs/quizzes.md; the public functions are in ``grader.api``.
"""
