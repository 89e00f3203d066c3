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


# Each step runs as the function that does it in production (IAM is enforced): signup_user
# creates, login_user looks up, delete_user deletes, the scheduled fetchers page through users.


def test_concurrent_creation_with_one_email_yields_one_user(run_as):
    async def go():
        attempts = [users.User.new("same@example.com", f"n{i}", "h") for i in range(20)]
        return await asyncio.gather(
            *(users.create_user(u) for u in attempts), return_exceptions=True
        )

    results = run_as("signup_user", go())
    found = run_as("login_user", users.find_user_by_email("SAME@example.com "))
    created = [r for r in results if r is None]
    assert len(created) == 1
    assert all(isinstance(r, UserAlreadyExistsError) for r in results if r is not None)
    assert found is not None and found.email == "same@example.com"


def test_iter_user_ids_skips_claims_and_pages(run_as):
    async def create():
        for i in range(7):
            await users.create_user(users.User.new(f"u{i}@example.com", "n", "h"))

    async def page():
        return [uid async for uid in users.iter_user_ids(page_size=3)]

    run_as("signup_user", create())
    ids = run_as("sweep_rental_invoices", page())
    assert len(ids) == 7 and all(i.startswith("user_") for i in ids)


def test_delete_rows_removes_claim(run_as):
    u = users.User.new("gone@example.com", "n", "h")

    async def delete():
        await users.delete_user_rows(u)
        await users.delete_user_rows(u)  # safe to repeat

    async def lookup():
        return await users.find_user_by_email("gone@example.com"), await users.get_user(u.user_id)

    run_as("signup_user", users.create_user(u))
    assert run_as("login_user", lookup()) != (None, None)
    run_as("delete_user", delete())
    assert run_as("login_user", lookup()) == (None, None)
