"""Track declarations: one module per learner file (numpy, torch)."""
