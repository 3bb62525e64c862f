"""What makes an acceptable password: long enough, not absurdly long, not a common one.

No composition rules (digits, symbols, cases): length and a list of passwords
attackers try first protect better and are easier to live with.
"""

import functools
import gzip
import os

MIN_LENGTH = 12
MAX_LENGTH = 128
COMMON_PASSWORDS_FILE = os.path.join(os.path.dirname(__file__), "data", "common-passwords.txt.gz")


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower-cased (see data/README.md)."""
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip().casefold() for line in handle if line.strip())


def is_common(password: str) -> bool:
    return password.strip().casefold() in common_passwords()


def password_problem(password: str) -> str | None:
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters. A few unrelated words make a strong, memorable password."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    if is_common(password):
        return (
            "This password is on a list of commonly used passwords that attackers try first. "
            "Choose another: a few unrelated words work well."
        )
    return None
