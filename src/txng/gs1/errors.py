"""The one exception type of the GS1 package, with stable codes the UI can translate."""

from __future__ import annotations

from typing import Final

# Stable error codes. The UI maps them to Vietnamese messages; never rename one.
EMPTY: Final = "empty"  # a value or path element is empty
LENGTH: Final = "length"  # too short / too long for the AI or key
CHARSET: Final = "charset"  # a character outside the AI's character set
CHECK_DIGIT: Final = "check-digit"  # wrong GS1 mod-10 check digit or csumalpha check pair
COMPANY_PREFIX: Final = "company-prefix"  # GS1 Company Prefix missing, malformed or wrong length
DATE: Final = "date"  # an impossible date or time
FORMAT: Final = "format"  # any other content rule of the syntax dictionary
UNKNOWN_AI: Final = "unknown-ai"
ASSOCIATION: Final = "association"  # a req=/ex= pairing rule of the syntax dictionary
DUPLICATE_AI: Final = "duplicate-ai"
NOT_DIGITAL_LINK: Final = "not-digital-link"  # not an http(s) URI at all
URI_SYNTAX: Final = "uri-syntax"  # illegal characters, bad domain
NO_PRIMARY_KEY: Final = "no-primary-key"
QUALIFIER_ORDER: Final = "qualifier-order"
NOT_DATA_ATTRIBUTE: Final = "not-data-attribute"
SHOULD_BE_IN_PATH: Final = "should-be-in-path"
QUERY_NOT_ALLOWED: Final = "query-not-allowed"  # an identifier carrying a query string
EPC_SYNTAX: Final = "epc-syntax"  # malformed EPC URN
UNSUPPORTED_SCHEME: Final = "unsupported-scheme"
IDENTIFIER_TYPE: Final = "identifier-type"  # valid, but the wrong kind for the field
NO_EPC_EQUIVALENT: Final = "no-epc-equivalent"
NOT_URI: Final = "not-uri"  # not an absolute URI


class GS1Error(ValueError):
    """A GS1 rule is broken; `code` is stable, the message is English for logs and developers."""

    def __init__(self, message: str, code: str, *, ai: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.ai = ai

    def __repr__(self) -> str:
        return f"GS1Error({self.message!r}, code={self.code!r}, ai={self.ai!r})"
