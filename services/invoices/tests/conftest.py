import pytest

GMAIL_ACCOUNT = "tenant@gmail.com"


def _connect(api, local_stack, email, gmail_account):
    """Sign up ``email`` and connect ``gmail_account``; returns (token, user_id)."""
    import jwt

    r = api(
        "POST",
        "/v1/auth/signup",
        json_body={"name": "T", "email": email, "password": "secret-pass-1"},
    )
    token = r.json["data"]["access_token"]
    grant = local_stack.google.accounts.authorize(gmail_account)
    r = api(
        "POST",
        "/v1/auth/gmail/store-tokens",
        token=token,
        form=[("access_token", grant["access_token"]), ("refresh_token", grant["refresh_token"])],
    )
    assert r.status == 201, r
    return token, jwt.decode(token, options={"verify_signature": False})["sub"]


@pytest.fixture
def connected_user(api, local_stack):
    """A signed-up user whose Gmail (tenant@gmail.com) is connected; returns (token, user_id)."""
    return _connect(api, local_stack, "tenant@example.com", GMAIL_ACCOUNT)


@pytest.fixture
def connect(api, local_stack):
    """``connect(email, gmail_account)`` signs up a user and connects that Gmail account."""
    return lambda email, gmail_account: _connect(api, local_stack, email, gmail_account)


@pytest.fixture
def demo_mail(local_stack):
    """Fill tenant@gmail.com's (empty) mailbox with the demo: 12 rent notices + unrelated
    mail."""
    from paypulse_devkit.mailbox import Mailbox

    demo = Mailbox.demo(GMAIL_ACCOUNT, months=12, seed=7)
    local_stack.mailbox = local_stack.gmail_api.mailbox = demo
    return demo
