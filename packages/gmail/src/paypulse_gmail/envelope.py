"""Envelope encryption of one user's token JSON with a KMS key.

Each write asks KMS for a fresh 256-bit data key (GenerateDataKey, KeySpec AES_256), seals the
JSON with AES-256-GCM (``cryptography``; a random 96-bit nonce, NIST SP 800-38D) and stores the
KMS-encrypted data key beside the ciphertext; the plaintext key is dropped after use. The
encryption context ``{"user_id": <id>}`` is bound twice: KMS binds it to the encrypted data key
(Decrypt must present the same context, or answers InvalidCiphertextException: KMS developer
guide, "Encryption context") and AES-GCM authenticates it as associated data. An item copied to
another user's id therefore opens for nobody. The role policies only allow these two KMS calls
with exactly this context key (infra/iam.py)."""

from __future__ import annotations

import json
import os
from typing import Any

from paypulse_common import aws

VERSION = "1"  # AES-256-GCM, KMS data key, context {"user_id"}
NONCE_BYTES = 12


class UndecryptableError(Exception):
    """The item does not open for this user (another user's item, or damaged)."""


def context_for(user_id: str) -> dict[str, str]:
    return {"user_id": user_id}


def _associated_data(context: dict[str, str]) -> bytes:
    return json.dumps(context, sort_keys=True, separators=(",", ":")).encode()


async def seal_item(text: str, user_id: str, key_arn: str) -> dict[str, Any]:
    """DynamoDB attributes (besides the key) holding ``text`` sealed for ``user_id``."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    context = context_for(user_id)
    kms = await aws.client("kms")
    data_key = await kms.generate_data_key(
        KeyId=key_arn, KeySpec="AES_256", EncryptionContext=context
    )
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(data_key["Plaintext"]).encrypt(nonce, text.encode(), _associated_data(context))
    return {
        "Ciphertext": {"B": sealed},
        "Nonce": {"B": nonce},
        "DataKey": {"B": data_key["CiphertextBlob"]},
        "KeyId": {"S": data_key["KeyId"]},
        "Envelope": {"S": VERSION},
    }


async def open_item(item: dict[str, Any], user_id: str) -> str:
    """The JSON sealed in ``item``; UndecryptableError unless it was sealed for ``user_id``."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        if item["Envelope"]["S"] != VERSION:
            raise UndecryptableError(f"envelope version {item['Envelope']['S']!r}")
        sealed, nonce = item["Ciphertext"]["B"], item["Nonce"]["B"]
        encrypted_key, key_id = item["DataKey"]["B"], item["KeyId"]["S"]
    except (KeyError, TypeError) as exc:
        raise UndecryptableError("not a sealed token item") from exc
    context = context_for(user_id)
    kms = await aws.client("kms")
    try:
        plain = await kms.decrypt(
            CiphertextBlob=encrypted_key, KeyId=key_id, EncryptionContext=context
        )
    except Exception as exc:
        if aws.error_code(exc) in ("InvalidCiphertextException", "IncorrectKeyException"):
            raise UndecryptableError("the data key does not open with this context") from exc
        raise
    try:
        return AESGCM(plain["Plaintext"]).decrypt(nonce, sealed, _associated_data(context)).decode()
    except InvalidTag as exc:
        raise UndecryptableError("the ciphertext does not authenticate") from exc
