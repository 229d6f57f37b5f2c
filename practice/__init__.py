"""Practising alone: picking questions, grading answers with the answer saved first, probes and retries."""
