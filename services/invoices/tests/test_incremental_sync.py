"""Incremental Gmail sync (users.history.list) for rental and retail ingestion: quota units
read from the local Google's usage counter, which charges what Gmail charges per method."""

from collections import Counter
from datetime import UTC, datetime, timedelta

from paypulse_common import ledger
from paypulse_devkit.aws_local import boto_client
from paypulse_devkit.demo_retail import demo_orders
from paypulse_devkit.mailbox import compose_message, rent_notice, simple_pdf

GMAIL_ACCOUNT = "tenant@gmail.com"  # the connected_user fixture's Gmail account


def units(local_stack) -> Counter:
    return Counter(local_stack.gmail_api.usage(GMAIL_ACCOUNT)["units"])


def spent(local_stack, before: Counter) -> dict[str, int]:
    """Units per method since ``before`` (methods that spent nothing left out)."""
    return {k: v for k, v in (units(local_stack) - before).items() if v}


def ingest(api, token, local_stack) -> int:
    """The ingest route (finds and queues) and the sync worker (downloads, stores) it feeds."""
    r = api("POST", "/v1/invoices/rental/ingest", token=token)
    assert r.status == 200, r
    local_stack.events.drain()
    return r.json["data"]["invoiceCount"]


def new_notice(mailbox) -> str:
    sent = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    pdf = simple_pdf(["Hyresavi", f"{sent:%Y-%m-%d}"])
    raw = rent_notice(GMAIL_ACCOUNT, sent=sent, filename="Hyresavi_ny.pdf", pdf=pdf)
    return mailbox.add_raw(raw, owner=GMAIL_ACCOUNT)


def newsletter(mailbox, owner: str = GMAIL_ACCOUNT, n: int = 0) -> str:
    raw = compose_message(
        sender="SJ <nyhetsbrev@sj.se>",
        to=owner,
        subject=f"Res billigt {n}",
        sent=datetime.now(UTC).replace(microsecond=0),
        text="Biljetter från 195 kr.",
    )
    return mailbox.add_raw(raw, owner=owner)


def rental_objects(local_stack, user_id) -> int:
    listing = boto_client("s3", local_stack.aws_endpoint).list_objects_v2(
        Bucket=local_stack.names.buckets["invoices"], Prefix=f"invoices/{user_id}/rental/"
    )
    return listing.get("KeyCount", 0)


def test_second_sync_reads_history_only_and_a_new_notice_is_found_through_it(
    api, local_stack, connected_user, demo_mail
):
    token, user_id = connected_user
    before = units(local_stack)
    assert ingest(api, token, local_stack) == 12
    first = spent(local_stack, before)
    assert first["getProfile"] == 1 and first["messages.attachments.get"] == 12 * 5

    before = units(local_stack)
    assert ingest(api, token, local_stack) == 0
    assert spent(local_stack, before) == {"history.list": 2}  # no list, get or download

    newsletter(demo_mail)
    before = units(local_stack)
    assert ingest(api, token, local_stack) == 0
    # something was added: one search, whose results are all known; nothing fetched
    assert spent(local_stack, before) == {"history.list": 2, "messages.list": 5}

    new_notice(demo_mail)
    before = units(local_stack)
    assert ingest(api, token, local_stack) == 1
    assert spent(local_stack, before) == {
        "history.list": 2,
        "messages.list": 5,
        "messages.get": 5,
        "messages.attachments.get": 5,
    }
    assert rental_objects(local_stack, user_id) == 13
    local_stack.events.drain()


def test_history_too_old_falls_back_to_a_full_search_that_skips_known_messages(
    api, local_stack, connected_user, demo_mail
):
    token, user_id = connected_user
    assert ingest(api, token, local_stack) == 12
    newsletter(demo_mail)  # a change after the stored history id ...
    demo_mail.history_retention_s = 0  # ... forgotten: history.list answers 404

    before = units(local_stack)
    assert ingest(api, token, local_stack) == 0
    used = spent(local_stack, before)
    # 404 (2 units), then the full sync: profile + search; the 12 known notices are recognised
    # by message id, so none is fetched or downloaded again
    assert used == {"history.list": 2, "getProfile": 1, "messages.list": 5}

    new_notice(demo_mail)
    demo_mail.history_retention_s = 0
    before = units(local_stack)
    assert ingest(api, token, local_stack) == 1  # found by the full search
    used = spent(local_stack, before)
    assert used["messages.get"] == 5 and used["messages.attachments.get"] == 5
    assert rental_objects(local_stack, user_id) == 13

    demo_mail.history_retention_s = 3600  # history answers again from the stored id
    before = units(local_stack)
    assert ingest(api, token, local_stack) == 0
    assert spent(local_stack, before) == {"history.list": 2}
    local_stack.events.drain()


def test_a_failed_download_is_retried_from_the_queue_and_history_never_moves_back(
    api, local_stack, connected_user, demo_mail, run_as
):
    """The route only queues the new notice (its history id advances once the ids are in the
    queue); a failed download in the sync worker hands the message back to the queue, whose
    retry stores the notice."""
    token, user_id = connected_user
    assert ingest(api, token, local_stack) == 12

    def stored_id() -> int:
        entry = run_as("fetch_invoices", ledger.synced_history(user_id, "rental"))
        assert entry is not None and entry[1] == GMAIL_ACCOUNT
        return entry[0]

    stored = stored_id()
    assert stored == demo_mail.history_id(GMAIL_ACCOUNT)

    new_notice(demo_mail)
    local_stack.gmail_api.fail_next(400, path_contains="/attachments/")  # not retried by Gmail
    assert ingest(api, token, local_stack) == 1
    assert local_stack.gmail_api.pending_faults == 0
    assert rental_objects(local_stack, user_id) == 13  # stored by the queue's retry
    newer = stored_id()
    assert newer > stored
    # an older id of the same mailbox never overwrites a newer one
    older = ledger.advance_history(user_id, "rental", stored, GMAIL_ACCOUNT)
    assert not run_as("fetch_invoices", older)
    assert stored_id() == newer
    local_stack.events.drain()


def test_connecting_another_google_account_starts_with_a_full_sync(
    api, local_stack, connected_user, demo_mail, run_as, connect_gmail
):
    from paypulse_devkit.mailbox import demo_messages

    token, user_id = connected_user
    assert ingest(api, token, local_stack) == 12
    stored = run_as("fetch_invoices", ledger.synced_history(user_id, "rental"))
    other = "other@gmail.com"
    for raw in demo_messages(other, months=3, retail=False):
        demo_mail.add_raw(raw, owner=other)
    n = 0
    while demo_mail.history_id(other) <= stored[0]:  # the stored id is valid there too
        n += 1
        newsletter(demo_mail, other, n)
    connect_gmail(token, other)
    # a full search of the new mailbox, not its late history
    assert ingest(api, token, local_stack) == 3
    assert run_as("fetch_invoices", ledger.synced_history(user_id, "rental")) == (
        demo_mail.history_id(other),
        other,
    )
    local_stack.events.drain()


def test_retail_incremental_run_reads_history_and_finds_a_new_order(
    api, local_stack, connected_user, demo_mail
):
    token, _ = connected_user

    def fetch() -> dict:
        r = api("POST", "/v1/invoices/retail/ingest", token=token)
        assert r.status == 200, r
        local_stack.events.drain()  # the sync worker fetches and stores the new orders
        return r.json["data"]

    assert sum(fetch()["byVendor"].values()) == 5
    before = units(local_stack)
    data = fetch()
    assert data["byVendor"] == {} and data["errors"] == []
    assert spent(local_stack, before) == {"history.list": 2}

    newsletter(demo_mail)
    before = units(local_stack)
    assert fetch()["byVendor"] == {}
    # the new message's sender is read (metadata, 5 units); no vendor could match it: no search
    assert spent(local_stack, before) == {"history.list": 2, "messages.get": 5}

    order = demo_orders(datetime.now(UTC).date() - timedelta(days=1))[0]
    demo_mail.add_raw(order.raw(GMAIL_ACCOUNT), owner=GMAIL_ACCOUNT)
    before = units(local_stack)
    data = fetch()
    assert data["byVendor"] == {order.vendor_id: 1}
    used = spent(local_stack, before)
    # sender read, then only that vendor's search, then the order itself
    assert used == {"history.list": 2, "messages.get": 10, "messages.list": 5}
    local_stack.events.drain()


def test_latest_does_not_download_notices_taken_and_parsed_before(api, local_stack, connected_user):
    from paypulse_devkit.mailbox import Mailbox

    token, _ = connected_user
    today = datetime.now(UTC).date()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    box = Mailbox.demo(GMAIL_ACCOUNT, months=1, start=last_month, retail=False)
    local_stack.mailbox = local_stack.gmail_api.mailbox = box
    assert ingest(api, token, local_stack) == 1  # last month's notice, taken ...
    local_stack.events.drain()  # ... and parsed

    def latest() -> int:
        return api("POST", "/v1/invoices/rental/ingest/latest", token=token).status

    before = units(local_stack)
    assert latest() == 204  # this month's notice is not there yet
    used = spent(local_stack, before)
    assert "messages.get" not in used and "messages.attachments.get" not in used

    this_month = Mailbox.demo(GMAIL_ACCOUNT, months=1, start=today.replace(day=1), retail=False)
    for message in this_month.messages(GMAIL_ACCOUNT):
        if message.filenames and "hyresavi" in message.subject:
            assert message.raw is not None
            box.add_raw(message.raw, owner=GMAIL_ACCOUNT)
    # taken and parsed by the sync worker (the route only queues it; the drain runs both)
    assert ingest(api, token, local_stack) == 1
    local_stack.events.drain()
    before = units(local_stack)
    assert latest() == 200
    assert spent(local_stack, before) == {}
