"""What editors use while writing a story in the admin: its layout and moves, comparing revisions, and other aids."""
