"""Page script: screens."""

from ui.screens_page import render

render()
