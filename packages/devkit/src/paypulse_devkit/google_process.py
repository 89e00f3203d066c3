"""The local Google (OAuth, userinfo, Gmail) as a separate process, for benchmarks that must
not share the measured code's CPU with its stand-ins:

    python -m paypulse_devkit.google_process --rental-messages 200 --latency 0.02

prints ``ready <url>`` and serves until terminated; ``POST /_local/authorize {"email"}`` on it
returns a grant like ``/_local/google/authorize`` of the local stack."""

from __future__ import annotations

import argparse
import json
import signal
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from paypulse_devkit.gmail_api import GmailApi
from paypulse_devkit.google_server import GoogleServer
from paypulse_devkit.mailbox import DEMO_SENDER, Mailbox, compose_message


def rental_mailbox(n: int, *, to: str = "tenant@gmail.com", seed: int = 5) -> Mailbox:
    """``n`` rent notices with PDFs (one per month, going back from now)."""
    from paypulse_devkit.demo_invoices import demo_hyresavi_series

    mailbox = Mailbox()
    for invoice in demo_hyresavi_series(n, seed=seed):
        sent = datetime.combine(invoice.due - timedelta(days=16), datetime.min.time(), tzinfo=UTC)
        mailbox.add_raw(
            compose_message(
                sender=DEMO_SENDER,
                to=to,
                subject="Hyresavi",
                sent=sent,
                text="Hyresavi bifogad.",
                attachments=[(invoice.filename, "application/pdf", invoice.pdf)],
            )
        )
    return mailbox


class _Authorizing(GoogleServer):
    def handle(
        self, method: str, path: str, query: dict, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        if method == "POST" and path == "/_local/authorize":
            email = json.loads(body or b"{}").get("email", "")
            grant: Any = self.accounts.authorize(email)
            return 200, {"content-type": "application/json"}, json.dumps(grant).encode()
        return super().handle(method, path, query, headers, body)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m paypulse_devkit.google_process")
    parser.add_argument("--rental-messages", type=int, default=12)
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args()
    server = _Authorizing()
    server.gmail_api = GmailApi(
        rental_mailbox(args.rental_messages),
        latency_s=args.latency,
        access_token_check=server.accounts.owner,
    )
    print(f"ready {server.start()}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
