"""The pbkdf2 check a branch makes on the copied superuser row, against hashes Django 5.2 made."""

from __future__ import annotations

from devkit.worktrees.django_password import matches

# PBKDF2PasswordHasher().encode(password, "seasalt1234", iterations=1000) and the SHA1 variant.
SHA256 = "pbkdf2_sha256$1000$seasalt1234$oMVMW9DC0AD59/jX96UaelmevKzcB96EuZ3sCd/r6Qk="
SHA1 = "pbkdf2_sha1$1000$seasalt1234$bDSxIh+cj84eAj5udk04v922Xg4="


def test_a_django_hash_matches_its_password_only() -> None:
    assert matches("s3cret-Ünïcode", SHA256) is True
    assert matches("s3cret-Unicode", SHA256) is False
    assert matches("s3cret", SHA1) is True
    assert matches("other", SHA1) is False


def test_other_hashers_are_not_judged() -> None:
    assert matches("x", "argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdA$aGFzaA") is None
    assert matches("x", "!unusable") is None
    assert matches("x", "pbkdf2_sha256$many$salt$hash") is None
