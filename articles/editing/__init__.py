"""What editors use while writing a story in the admin: layout and moves, compare, live preview, writing aids."""
