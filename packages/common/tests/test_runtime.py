import asyncio
import json

import pytest

from paypulse_common import runtime
from paypulse_common.errors import UserNotFoundError
from paypulse_common.http import Contract, ok
from paypulse_common.runtime import Runtime, activated, event_handler, http_handler

ANY = Contract(summary="test route", responses={200: None})


def api_event():
    return {"requestContext": {"http": {"method": "GET", "path": "/x"}}, "headers": {}}


@pytest.fixture
def rt():
    r = Runtime({"AWS_REGION": "eu-west-1"})
    with activated(r):
        yield r
    r.close()


def test_one_loop_reused_across_invocations(rt):
    loops = []

    async def handle(request):
        loops.append(asyncio.get_running_loop())
        return ok({})

    handler = http_handler(handle, ANY, public=True)
    handler(api_event())
    handler(api_event())
    assert len(loops) == 2 and loops[0] is loops[1]


def test_resources_created_once(rt):
    made = []

    async def factory():
        made.append(1)
        return object()

    async def twice():
        a, b = await asyncio.gather(rt.resource("k", factory), rt.resource("k", factory))
        return a is b

    assert rt.run(twice()) is True
    assert made == [1]


def test_domain_error_becomes_envelope_and_crash_does_not_leak(rt):
    async def missing(request):
        raise UserNotFoundError()

    async def crash(request):
        raise RuntimeError("secret detail /var/task")

    out = http_handler(missing, ANY, public=True)(api_event())
    assert out["statusCode"] == 404
    assert json.loads(out["body"])["error"]["code"] == "USER_NOT_FOUND"
    out = http_handler(crash, ANY, public=True)(api_event())
    assert out["statusCode"] == 500
    assert "secret detail" not in out["body"]
    assert json.loads(out["body"])["error"]["code"] == "INTERNAL_SERVER_ERROR"


def test_event_handler_raises_so_the_trigger_retries(rt):
    async def fail(event):
        raise ValueError("boom")

    with pytest.raises(ValueError):
        event_handler(fail)({"Records": []})


def test_schedule_events_go_to_on_schedule(rt):
    seen = []

    async def handle(request, principal):
        raise AssertionError("not an API call")

    async def scheduled(event):
        seen.append(event["source"])
        return {"done": True}

    handler = http_handler(handle, ANY, on_schedule=scheduled)
    assert handler({"source": "aws.events", "detail-type": "Scheduled Event"}) == {"done": True}
    assert seen == ["aws.events"]


def test_threads_get_separate_runtimes():
    import threading

    seen = []
    t = threading.Thread(target=lambda: seen.append(runtime.current()))
    t.start()
    t.join()
    assert seen[0] is not runtime.current()


def test_tasks_left_by_a_failed_gather_do_not_resume_in_the_next_invocation(rt):
    """asyncio.gather does not cancel the siblings of a failed awaitable: without the runtime
    cancelling what an invocation leaves behind, they would run inside the next one."""
    ran = []

    async def sibling():
        await asyncio.sleep(0.05)
        ran.append("sibling of the failed invocation")

    async def fails():
        raise ValueError("boom")

    async def first(event):
        await asyncio.gather(sibling(), fails())

    async def second(event):
        await asyncio.sleep(0.1)
        return "second"

    with pytest.raises(ValueError):
        event_handler(first)({}, None)
    assert event_handler(second)({}, None) == "second"
    assert ran == []


def test_gather_all_cancels_and_awaits_siblings_before_raising_the_first_error(rt):
    from paypulse_common.runtime import gather_all

    events = []

    async def slow():
        try:
            await asyncio.sleep(5)
        finally:
            events.append("sibling finished")

    async def fails():
        await asyncio.sleep(0)
        raise UserNotFoundError()

    async def run():
        try:
            await gather_all(slow(), fails())
        except UserNotFoundError:  # the error itself, not an ExceptionGroup
            events.append("caller saw the error")

    rt.run(run())
    assert events == ["sibling finished", "caller saw the error"]
    assert rt.run(gather_all(asyncio.sleep(0, "a"), asyncio.sleep(0, "b"))) == ["a", "b"]
