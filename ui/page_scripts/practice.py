"""Page script: the practice chat."""

from ui.practice_page import render

render()
