"""``manage.py`` in a process of its own on a SQLite file, whatever database
the suite uses: the suite runs with ``--no-migrations``, so the tests of the
migrations run them there."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def manage_on_sqlite(database: Path, *args: str) -> str:
    """Runs ``manage.py *args`` on the SQLite file ``database`` (without Redis)
    and gives back what it printed; fails the test with its errors otherwise."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout
