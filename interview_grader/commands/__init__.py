"""Command groups of the ``interview-grader`` CLI; each module has ``register(subparsers)``."""
