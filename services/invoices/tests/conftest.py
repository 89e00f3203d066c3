import pytest

GMAIL_ACCOUNT = "tenant@gmail.com"


@pytest.fixture
def connected_user(connect):
    """A signed-up user whose Gmail (tenant@gmail.com) is connected; returns (token, user_id)."""
    return connect("tenant@example.com", GMAIL_ACCOUNT)


@pytest.fixture
def demo_mail(local_stack):
    """Fill tenant@gmail.com's (empty) mailbox with the demo: 12 rent notices + unrelated
    mail."""
    from paypulse_devkit.mailbox import Mailbox

    demo = Mailbox.demo(GMAIL_ACCOUNT, months=12, seed=7)
    local_stack.mailbox = local_stack.gmail_api.mailbox = demo
    return demo
