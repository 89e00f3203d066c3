"""Ledger claims expire with the invocation that took them (Lambda context's remaining time),
so the retry after a timeout proceeds at once; a claim of a running invocation still blocks."""

from paypulse_common import ledger
from paypulse_devkit.invocations import LambdaContext

USER = "user_00000000-0000-0000-0000-000000000001"


def in_invocation(local_stack, coro, remaining_s: float):
    """Run ``coro`` as one fetch_invoices invocation with ``remaining_s`` left, in an
    environment of its own (its clients are sized on that time; shared ones must not be)."""
    from paypulse_common.runtime import Runtime, activated

    rt = Runtime(local_stack.function_env("fetch_invoices"))
    try:
        with activated(rt):
            return rt.run(coro, LambdaContext("fetch_invoices", 256, remaining_s))
    finally:
        rt.close()


def claim_in_invocation(local_stack, key: str, remaining_s: float) -> bool:
    return in_invocation(local_stack, ledger.claim(USER, key), remaining_s)


def test_claim_of_a_timed_out_invocation_does_not_block_the_retry(local_stack):
    key = ledger.message_key("m1", "ab" * 32)
    # the first invocation claims at its very end, then is stopped by its timeout
    assert claim_in_invocation(local_stack, key, remaining_s=0.0) is True
    # Lambda's retry comes at once; it must not wait 15 minutes for the claim
    assert claim_in_invocation(local_stack, key, remaining_s=300.0) is True


def test_claim_of_a_running_invocation_blocks_a_duplicate(local_stack):
    key = ledger.message_key("m2", "cd" * 32)
    assert claim_in_invocation(local_stack, key, remaining_s=300.0) is True
    assert claim_in_invocation(local_stack, key, remaining_s=300.0) is False


def test_claim_many_follows_the_same_deadline(local_stack):
    keys = {ledger.message_key(f"m{i}", "ef" * 32): {"s3_key": f"k{i}"} for i in range(3)}

    def claim_many(remaining_s: float) -> set[str]:
        return in_invocation(local_stack, ledger.claim_many(USER, keys), remaining_s)

    assert claim_many(0.0) == set(keys)
    assert claim_many(300.0) == set(keys)
    assert claim_many(300.0) == set()
