import asyncio

import pytest

from paypulse_common.errors import InvalidRequestError
from paypulse_common.passwords import check_password, hash_password


def run(coro):
    return asyncio.run(coro)


def test_roundtrip_and_cost_12_by_default():
    stored = run(hash_password("correct horse"))
    assert stored.startswith("bcrypt-sha256$$2b$12$")
    assert run(check_password("correct horse", stored))
    assert not run(check_password("correct horsE", stored))


def test_bytes_beyond_72_matter():
    long_a = "a" * 72 + "tail-one"
    long_b = "a" * 72 + "tail-two"
    stored = run(hash_password(long_a, cost=4))
    assert run(check_password(long_a, stored))
    assert not run(check_password(long_b, stored))


def test_multibyte_and_nul_bytes():
    pw = "lösenord\x00" + "ö" * 50  # > 72 bytes in UTF-8, contains NUL
    stored = run(hash_password(pw, cost=4))
    assert run(check_password(pw, stored))
    assert not run(check_password("lösenord", stored))


@pytest.mark.parametrize("pw", ["", "short", "1234567"])
def test_minimum_length(pw):
    with pytest.raises(InvalidRequestError):
        run(hash_password(pw, cost=4))


def test_no_stored_hash_is_false_but_still_checks():
    assert run(check_password("whatever123", None)) is False
    assert run(check_password("whatever123", "not-a-hash")) is False
