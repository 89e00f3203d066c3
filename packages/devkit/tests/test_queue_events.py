"""Partial batch responses as Lambda reads them (Lambda developer guide, "Handling errors for an
SQS event source in Lambda"): listed ids fail; an invalid response fails the whole batch."""

from paypulse_devkit.events import _batch_item_failures

IDS = {"a", "b", "c"}


def test_listed_ids_fail_and_empty_or_none_is_success():
    assert _batch_item_failures({"batchItemFailures": [{"itemIdentifier": "b"}]}, IDS) == {"b"}
    assert _batch_item_failures({"batchItemFailures": []}, IDS) == set()
    assert _batch_item_failures(None, IDS) == set()


def test_invalid_responses_fail_the_whole_batch():
    for response in (
        "oops",
        {"batchItemFailures": "b"},
        {"batchItemFailures": [{"itemIdentifier": ""}]},
        {"batchItemFailures": [{"itemIdentifier": None}]},
        {"batchItemFailures": [{"id": "b"}]},
        {"batchItemFailures": [{"itemIdentifier": "not-in-batch"}]},
    ):
        assert _batch_item_failures(response, IDS) == IDS, response
