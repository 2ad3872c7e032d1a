import dataclasses


@dataclasses.dataclass(frozen=True, order=True)
class ImportProblem:
    """One thing wrong with one line of an import file: ``line 12: published_at: not a date``."""

    line: int
    field: str
    message: str

    def __str__(self):
        return f"line {self.line}: {self.field}: {self.message}"
