"""What editors use on a story in the admin: layout and moves, hand-over, autosave, presence, compare, live preview."""
