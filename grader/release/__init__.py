"""``grade release DIR``: the student edition of the course (``edition``), and what goes in it."""
