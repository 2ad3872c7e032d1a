"""What editors use on a story in the admin: layout and moves, review hand-over, compare, live preview, aids."""
