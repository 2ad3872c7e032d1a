"""What editors use while writing a story: comparing revisions and other aids of the admin."""
