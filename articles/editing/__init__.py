"""What helps editors while a story is open in the admin: autosave, presence."""
