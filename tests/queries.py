"""Helpers for tests that look at the SQL a request runs."""

# Statements that write or open a transaction (and so may take a lock).
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT", "BEGIN")


def writes(queries: list[dict]) -> list[str]:
    """The statements among captured ``queries`` that write or open a transaction."""
    return [query["sql"] for query in queries if query["sql"].lstrip().upper().startswith(WRITES)]
