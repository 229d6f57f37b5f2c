"""Page script: candidate."""

from ui.candidate_page import render

render()
