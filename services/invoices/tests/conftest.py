import pytest


@pytest.fixture
def connected_user(api, local_stack):
    """A signed-up user whose Gmail (tenant@gmail.com) is connected; returns (token, user_id)."""
    import jwt

    r = api(
        "POST",
        "/v1/auth/signup",
        json_body={"name": "T", "email": "tenant@example.com", "password": "secret-pass-1"},
    )
    token = r.json["data"]["access_token"]
    grant = local_stack.google.accounts.authorize("tenant@gmail.com")
    r = api(
        "POST",
        "/v1/auth/gmail/store-tokens",
        token=token,
        form=[("access_token", grant["access_token"]), ("refresh_token", grant["refresh_token"])],
    )
    assert r.status == 201, r
    return token, jwt.decode(token, options={"verify_signature": False})["sub"]


@pytest.fixture
def demo_mail(local_stack):
    """Fill the (empty) test mailbox with the demo: 12 rent notices + unrelated mail."""
    from paypulse_devkit.mailbox import Mailbox

    demo = Mailbox.demo(None, months=12, seed=7)
    local_stack.mailbox = local_stack.gmail_api.mailbox = demo
    return demo
