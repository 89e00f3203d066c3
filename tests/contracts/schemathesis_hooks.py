"""Strategies for the document's opaque string formats, loaded by the schemathesis run
(``SCHEMATHESIS_HOOKS``): pagination cursors as the API issues them, and Google OAuth tokens
that the local Google really granted (``PAYPULSE_ST_GOOGLE_GRANTS``: a JSON list of
``{access_token, refresh_token}``). Random text in these fields is rejected by design (400
INVALID_REQUEST / INVALID_CREDENTIALS); tests/contracts/test_bad_input.py covers that."""

from __future__ import annotations

import json
import os

import schemathesis
from hypothesis import strategies as st

from paypulse_invoices.listing import encode_cursor

_GRANTS = json.loads(os.environ.get("PAYPULSE_ST_GOOGLE_GRANTS", "[]"))

schemathesis.openapi.format(
    "paypulse-cursor",
    st.tuples(
        st.integers(1990, 2100), st.integers(1, 12), st.from_regex(r"\AInvoice_[0-9]{4,20}\Z")
    ).map(encode_cursor),
)
if _GRANTS:
    schemathesis.openapi.format(
        "google-access-token", st.sampled_from([g["access_token"] for g in _GRANTS])
    )
    schemathesis.openapi.format(
        "google-refresh-token", st.sampled_from([g["refresh_token"] for g in _GRANTS])
    )
