"""Asynchronous screening: recruiter accounts, screens, private invite links, the candidate's flow,
background grading, review with overrides, exports and data protection."""
