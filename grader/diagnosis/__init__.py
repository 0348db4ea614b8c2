"""Naming the misconception behind a failed check: the library, the variants, the matcher."""
