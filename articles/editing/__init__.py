"""Writing and editing aids of the story form: the live preview, the writing aids."""
