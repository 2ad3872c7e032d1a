"""What editors and reporters use on a story: comparing revisions, the review hand-over, other admin aids."""
