"""Page script: rubrics."""

from ui.rubrics_page import render

render()
