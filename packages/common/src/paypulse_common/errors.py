"""The one error hierarchy. Each class carries the iOS app's error code, the HTTP status and
whether an asynchronous trigger should retry. Mapping to the response envelope happens in one
place (``paypulse_common.http.error_response``); nothing matches on message text.
"""

from __future__ import annotations


class PayPulseError(Exception):
    """Base of every expected failure. Unexpected exceptions become INTERNAL_SERVER_ERROR."""

    code = "INTERNAL_SERVER_ERROR"
    http_status = 500
    retryable = False
    default_message = "Internal server error"

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


# ----------------------------------------------------------------- 400: bad input
class InvalidJsonError(PayPulseError):
    code, http_status, default_message = "INVALID_JSON", 400, "Request body is not valid JSON"


class MissingFieldsError(PayPulseError):
    code, http_status, default_message = "MISSING_FIELDS", 400, "Missing required fields"

    def __init__(self, *fields: str, message: str | None = None) -> None:
        self.fields = fields
        names = ", ".join(f"'{f}'" for f in fields)
        super().__init__(message or f"Missing key in request body: {names}")


class InvalidRequestError(PayPulseError):
    """Well-formed but invalid input (bad e-mail, short password, unknown sub-type...)."""

    code, http_status, default_message = "INVALID_REQUEST", 400, "Invalid request"


class PayloadTooLargeError(PayPulseError):
    code, http_status, default_message = "PAYLOAD_TOO_LARGE", 413, "Request body is too large"


# ----------------------------------------------------------------- 401/403/404/405/429
class InvalidCredentialsError(PayPulseError):
    code, http_status, default_message = "INVALID_CREDENTIALS", 401, "Invalid Credentials"


class InvalidTokenError(PayPulseError):
    code, http_status, default_message = "INVALID_TOKEN", 401, "Malformed Token"


class TokenExpiredError(PayPulseError):
    code, http_status, default_message = "TOKEN_EXPIRED", 401, "Expired token"


class UserDeletedError(TokenExpiredError):
    """The account was deleted (or is being deleted): its tokens are refused with the code on
    which the app logs out, and asynchronous work for it is dropped, never retried."""

    default_message = "This account has been deleted"


class ForbiddenError(PayPulseError):
    """Authenticated, but not as someone this route accepts (e.g. a Google token for another
    audience or service account on the Gmail push route)."""

    code, http_status, default_message = "FORBIDDEN", 403, "Forbidden"


class UserAlreadyExistsError(PayPulseError):
    code, http_status = "USER_ALREADY_EXISTS", 403
    default_message = "An account with this email already exists."


class UserNotFoundError(PayPulseError):
    code, http_status, default_message = "USER_NOT_FOUND", 404, "User not found"


class NotFoundError(PayPulseError):
    """A resource the caller asked for does not exist *or is not theirs* (same answer)."""

    code, http_status, default_message = "INVALID_REQUEST", 404, "Not found"


class RouteNotFoundError(PayPulseError):
    code, http_status, default_message = "NOT_FOUND", 404, "No route matches this path"


class MethodNotAllowedError(PayPulseError):
    code, http_status, default_message = "METHOD_NOT_ALLOWED", 405, "Method not allowed"


class TooManyAttemptsError(PayPulseError):
    code, http_status = "TOO_MANY_ATTEMPTS", 429
    default_message = "Too many failed attempts. Try again later."


# ----------------------------------------------------------------- 5xx: ours or a dependency
class InternalError(PayPulseError):
    code, http_status, default_message = "INTERNAL_SERVER_ERROR", 500, "Internal server error"


class ConfigurationError(InternalError):
    """Settings missing or invalid at cold start, or a resource the function was not granted."""

    default_message = "Function is misconfigured"


class JwtError(PayPulseError):
    code, http_status, default_message = "JWT_ERROR", 500, "Could not issue a token"


class InvoiceParseError(PayPulseError):
    code, http_status, default_message = "INVOICE_PARSE_ERROR", 500, "Invoice could not be parsed"


class DependencyError(PayPulseError):
    """DynamoDB, S3, Secrets Manager, SNS, Google... failed or timed out. Worth a retry."""

    code, http_status, retryable = "DEPENDENCY_FAILURE", 502, True
    default_message = "A service we depend on failed"


class GmailTokenExpiredError(PayPulseError):
    """Google refused the refresh token (revoked/expired) or none is stored: re-connect Gmail."""

    code, http_status = "GMAIL_TOKEN_EXPIRED", 502
    default_message = "Gmail account needs to be re-connected"


class OAuthTokenRejectedError(InvalidCredentialsError):
    """Google rejected the OAuth token the app sent: the request is bad, not the app session."""

    http_status, default_message = 400, "Invalid OAuth tokens"
