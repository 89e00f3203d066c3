"""One AWS call, every attempt timing out, must end before the function's timeout does."""

import pytest

from paypulse_common import aws
from paypulse_common.runtime import Runtime, activated
from paypulse_devkit.invocations import LambdaContext


def worst_case_s(config) -> float:
    retries = config.retries
    # botocore: total_max_attempts counts the first call, max_attempts only the retries
    attempts = retries.get("total_max_attempts") or retries.get("max_attempts", 4) + 1
    backoff = sum(2.0**i for i in range(attempts - 1))  # botocore standard mode: ≤ 1 s, 2 s, …
    return attempts * (config.connect_timeout + config.read_timeout) + backoff


@pytest.mark.parametrize("function", ["get_user_profile", "delete_retail_invoice", "delete_user"])
def test_client_timeouts_fit_inside_the_declared_timeout(local_stack, function):
    timeout = local_stack.ws.functions[function].timeout
    rt = Runtime(local_stack.function_env(function))

    async def config():
        return (await aws.client("dynamodb")).meta.config

    try:
        with activated(rt):
            cfg = rt.run(config(), LambdaContext(function, 256, timeout))
    finally:
        rt.close()
    assert worst_case_s(cfg) <= timeout
    assert cfg.connect_timeout <= 3 and cfg.read_timeout <= 20
