"""Batch grading for instructors: a folder of students, a resumable gradebook, exports, a class report."""
