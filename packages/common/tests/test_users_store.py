"""The Users store against DynamoDB (moto server)."""

import asyncio

import pytest

from paypulse_common import users
from paypulse_common.errors import InvalidRequestError, UserAlreadyExistsError


def test_normalise_and_validate():
    assert users.validate_email("  Ann.Berg@Example.COM ") == "ann.berg@example.com"
    for bad in ["", "no-at", "a@b", "a b@c.se", "a@-x.se", "x" * 250 + "@a.se"]:
        with pytest.raises(InvalidRequestError):
            users.validate_email(bad)


def test_concurrent_creation_with_one_email_yields_one_user(run_as):
    async def go():
        attempts = [users.User.new("same@example.com", f"n{i}", "h") for i in range(20)]
        results = await asyncio.gather(
            *(users.create_user(u) for u in attempts), return_exceptions=True
        )
        found = await users.find_user_by_email("SAME@example.com ")
        return results, found

    results, found = run_as("signup_user", go())
    created = [r for r in results if r is None]
    assert len(created) == 1
    assert all(isinstance(r, UserAlreadyExistsError) for r in results if r is not None)
    assert found is not None and found.email == "same@example.com"


def test_iter_user_ids_skips_claims_and_pages(run_as):
    async def go():
        for i in range(7):
            await users.create_user(users.User.new(f"u{i}@example.com", "n", "h"))
        return [uid async for uid in users.iter_user_ids(page_size=3)]

    ids = run_as("signup_user", go())
    assert len(ids) == 7 and all(i.startswith("user_") for i in ids)


def test_delete_rows_removes_claim(run_as):
    async def go():
        u = users.User.new("gone@example.com", "n", "h")
        await users.create_user(u)
        await users.delete_user_rows(u)
        await users.delete_user_rows(u)  # safe to repeat
        return await users.find_user_by_email("gone@example.com"), await users.get_user(u.user_id)

    assert run_as("signup_user", go()) == (None, None)
