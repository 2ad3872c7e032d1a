"""What editors use on a story in the admin: layout and moves, the review hand-over, revisions compared."""
