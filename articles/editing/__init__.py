"""What editors and reporters use while working on a story: one module per capability."""
