"""POST /v1/gmail/push (public: Pub/Sub push with Google's OIDC token, no app JWT).

Input: a Pub/Sub push request carrying Gmail's notification (``paypulse_invoices.gmail_push``).
Output: 204 (acknowledged: enqueued, or nothing to do). Errors: 401 INVALID_TOKEN /
TOKEN_EXPIRED (no, malformed, unsigned or expired token), 403 FORBIDDEN (another audience,
issuer or service account; push not configured), 400 (not a Gmail notification), 502 (retried
by Pub/Sub).
"""

from paypulse_common.errors import ForbiddenError, InvalidTokenError, TokenExpiredError
from paypulse_common.http import Contract, Request, Response, no_content
from paypulse_common.runtime import http_handler
from paypulse_common.schema import Int, Map, Obj, Str
from paypulse_invoices.gmail_push import MAX_DATA_CHARS, notification, receive, verify

PushMessage = Obj(
    {
        "data": Str(min_length=1, max_length=MAX_DATA_CHARS, description="base64 JSON"),
        "messageId": Str(min_length=1, max_length=128, pattern=r"^[0-9A-Za-z_-]+$"),
        "message_id": Str(max_length=128),
        "publishTime": Str(max_length=64),
        "publish_time": Str(max_length=64),
        "attributes": Map(Str(max_length=1024), max_keys=100),
        "orderingKey": Str(max_length=1024),
    },
    required=("data", "messageId"),
    name="PubSubMessage",
)
PushRequest = Obj(
    {
        "message": PushMessage,
        "subscription": Str(min_length=1, max_length=512),
        "deliveryAttempt": Int(minimum=0, maximum=1000),
    },
    required=("message", "subscription"),
    name="PubSubPushRequest",
    description="Pub/Sub push (https://cloud.google.com/pubsub/docs/push); message.data: "
    'base64 of Gmail\'s {"emailAddress", "historyId"}',
)

CONTRACT = Contract(
    summary="Receive a Gmail push notification (Pub/Sub push subscription, OIDC-authenticated)",
    description="Authorization: Bearer <Google-signed OIDC token of the push subscription>. "
    "204 acknowledges (the user's sync is queued, or there is nothing to do).",
    body=PushRequest,
    responses={204: None},
    errors=(InvalidTokenError, TokenExpiredError, ForbiddenError),
)


async def handle(request: Request) -> Response:
    await verify(request.headers.get("authorization", ""))
    await receive(notification(request.data))
    return no_content()


handler = http_handler(handle, CONTRACT, public=True)
