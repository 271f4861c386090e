"""Hand-styled Kivy widgets: buttons, chips, cards, progress, hold ring and charts."""
