"""Editing aids of the story form: how the body and the bylines are laid out and moved."""
