"""Gmail push notifications, the receiving side (README "Gmail push notifications").

A Pub/Sub push request (https://cloud.google.com/pubsub/docs/push) is accepted when its OIDC
token is Google's, for this endpoint's audience and the push subscription's service account
(``paypulse_gmail.push_token``), and its message is Gmail's notification
(https://developers.google.com/workspace/gmail/api/guides/push, "Receiving notifications"):
``message.data`` = base64 of ``{"emailAddress", "historyId"}``. Then, for each user watching
that mailbox (``GmailAddress-index``, no scan):

- a ``historyId`` not newer than the one the user's last sync of both kinds stored for this
  mailbox (written from Gmail's own answers, so a forged push cannot move it) does nothing;
- a message id handled before (Pub/Sub delivers at least once) does nothing;
- a push while that user's previous ``gmail_push`` job is queued and not started queues
  nothing (the ``pending`` row, set by a conditional put): that job reads the mailbox's history
  when it starts, so it takes this push's mail too. A burst of mail is one sync, not one per
  message. The worker deletes the row before it reads the history, so a push arriving once a
  sync is under way queues the next one and no mail is left behind;
- else one ``gmail_push`` job goes to the ``sync`` queue: the worker runs the incremental
  rental and retail sync (``sync_jobs``).

A mailbox nobody watches is acknowledged like any other push (no enumeration of addresses).
Duplicates and stale pushes are acknowledged too: Pub/Sub sends anything not acknowledged
again, for up to its retention of 7 days.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from paypulse_common import gmail_watches, ledger, queue
from paypulse_common.errors import (
    DependencyError,
    ForbiddenError,
    InvalidRequestError,
    UserDeletedError,
)
from paypulse_common.logs import get_logger
from paypulse_common.runtime import settings
from paypulse_invoices.scheduled import SYNC_QUEUE

log = get_logger("paypulse.gmail_push")
MAX_DATA_CHARS = 1024  # base64 of a Gmail notification is ~100 characters
SYNC_KINDS = ("rental", "retail")
JOB = "gmail_push"
# A pending mark older than this is a job that will not start: its message was received
# maxReceiveCount (5) times, each hidden for the queue's visibility timeout (6 x the worker's
# 900 s), and went to the dead-letter queue. Pinned to the declarations by
# tests/test_gmail_push.py (infra.workspace visibility_timeout x max_receive_count).
PENDING_LOST_AFTER_S = 5 * 6 * 900


@dataclass(frozen=True)
class Notification:
    message_id: str
    email_address: str
    history_id: int


def notification(body: dict[str, Any]) -> Notification:
    """Gmail's notification in a push body already validated by the route's contract."""
    message = body["message"]
    try:
        data = json.loads(base64.b64decode(message["data"], validate=True))
    except (binascii.Error, ValueError) as exc:
        raise InvalidRequestError("message.data is not base64 JSON") from exc
    if not isinstance(data, dict):
        raise InvalidRequestError("message.data is not a Gmail notification")
    address, history = data.get("emailAddress"), data.get("historyId")
    if isinstance(history, str) and history.isdigit():
        history = int(history)
    if (
        not isinstance(address, str)
        or "@" not in address
        or len(address) > 320
        or isinstance(history, bool)
        or not isinstance(history, int)
        or not 0 < history < 2**63
    ):
        raise InvalidRequestError("message.data is not a Gmail notification")
    return Notification(message["messageId"], address.strip().lower(), history)


async def verify(authorization: str) -> None:
    """The request's OIDC token is the push subscription's (401 / 403 otherwise; 403 while
    push is not configured)."""
    from paypulse_gmail.push_token import verify_push_token

    s = settings()
    if not s.gmail_push_audience or not s.gmail_push_service_account:
        raise ForbiddenError("Gmail push is not configured")
    await verify_push_token(
        authorization,
        audience=s.gmail_push_audience,
        service_account=s.gmail_push_service_account,
        certs_url=s.google_certs_url,
    )


async def _already_synced(user_id: str, note: Notification) -> bool:
    for kind in SYNC_KINDS:
        stored = await ledger.synced_history(user_id, kind)
        if stored is None or stored[1] != note.email_address or stored[0] < note.history_id:
            return False
    return True


async def receive(note: Notification) -> int:
    """Enqueue the sync of every user watching the mailbox; returns how many were enqueued."""
    enqueued = coalesced = 0
    for user_id in await gmail_watches.users_watching(note.email_address):
        if await _already_synced(user_id, note):
            continue
        try:
            if not await gmail_watches.claim_push(user_id, note.message_id):
                continue
        except UserDeletedError:
            continue
        try:
            if not await gmail_watches.mark_pending(user_id, PENDING_LOST_AFTER_S):
                coalesced += 1
                continue
        except UserDeletedError:
            continue
        except Exception:
            await gmail_watches.release_push(user_id, note.message_id)
            raise
        try:
            await queue.send_all(SYNC_QUEUE, [{"kind": JOB, "user_id": user_id}])
        except Exception as exc:
            await gmail_watches.clear_pending(user_id)
            await gmail_watches.release_push(user_id, note.message_id)
            raise DependencyError("Could not enqueue the sync") from exc
        enqueued += 1
    log.info("gmail push", extra={"enqueued": enqueued, "coalesced": coalesced})
    return enqueued
