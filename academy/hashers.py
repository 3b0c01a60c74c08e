"""Password hashing: Argon2id with OWASP's parameters.

Django's own ``Argon2PasswordHasher`` asks for 100 MiB and 8 lanes per hash:
thirty people signing in at once on a small machine would need 3 GB and
queue behind each other. OWASP's Password Storage Cheat Sheet recommends
Argon2id with at least 19 MiB of memory, 2 iterations and 1 degree of
parallelism; that is what we use. PBKDF2 stays listed after it in
``PASSWORD_HASHERS`` so accounts hashed before still sign in, and Django
rehashes their password with Argon2id at that sign-in.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    """Argon2id (Django's ``argon2`` algorithm, variant id), m=19 MiB, t=2, p=1.

    Keeps the algorithm name ``argon2``: hashes made with Django's default
    parameters still verify and are rehashed with these at the next sign-in
    (``must_update`` compares the parameters)."""

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
