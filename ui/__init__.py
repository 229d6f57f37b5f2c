"""Streamlit pages and components. They draw; the work happens in rubric/, grader/, practice/ and store/."""
