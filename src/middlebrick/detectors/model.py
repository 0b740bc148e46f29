"""What a detector reports: the kind of secret or personal data, where it is, and its mask."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from middlebrick.models import Severity


class Kind(enum.Enum):
    """A kind of sensitive value, with the severity it usually deserves."""

    AWS_ACCESS_KEY_ID = "aws-access-key-id"
    AWS_SECRET_ACCESS_KEY = "aws-secret-access-key"
    AWS_SESSION_TOKEN = "aws-session-token"
    AWS_ACCOUNT_ARN = "aws-account-arn"
    PRIVATE_KEY = "private-key"
    GITHUB_TOKEN = "github-token"
    STRIPE_SECRET_KEY = "stripe-secret-key"
    SLACK_TOKEN = "slack-token"
    GOOGLE_API_KEY = "google-api-key"
    SECRET = "secret"  # by name: client_secret, secret_key, ...
    API_TOKEN = "api-token"  # by name: api_key, access_token, ...
    JWT = "jwt"
    PASSWORD = "password"  # a plaintext password, by name
    PASSWORD_HASH = "password-hash"
    CARD_NUMBER = "card-number"
    NATIONAL_ID = "national-id"
    EMAIL = "email"  # only in bulk
    PHONE = "phone"  # only in bulk

    @property
    def severity(self) -> Severity:
        return _SEVERITY[self]

    @property
    def label(self) -> str:
        return _LABEL[self]

    @property
    def plural(self) -> str:
        label = _LABEL[self]
        if self in {Kind.EMAIL, Kind.PHONE}:
            return label
        return label + ("es" if label.endswith(("sh", "s")) else "s")

    @property
    def aws(self) -> bool:
        """Leaked AWS credentials or account details (reported by exposure.aws-credentials)."""
        return self.value.startswith("aws-")

    @property
    def personal(self) -> bool:
        """Personal data rather than a credential."""
        return self in {Kind.CARD_NUMBER, Kind.NATIONAL_ID, Kind.EMAIL, Kind.PHONE}


_SEVERITY = {
    Kind.AWS_ACCESS_KEY_ID: Severity.HIGH,
    Kind.AWS_SECRET_ACCESS_KEY: Severity.CRITICAL,
    Kind.AWS_SESSION_TOKEN: Severity.CRITICAL,
    Kind.AWS_ACCOUNT_ARN: Severity.LOW,
    Kind.PRIVATE_KEY: Severity.CRITICAL,
    Kind.GITHUB_TOKEN: Severity.CRITICAL,
    Kind.STRIPE_SECRET_KEY: Severity.CRITICAL,
    Kind.SLACK_TOKEN: Severity.CRITICAL,
    Kind.GOOGLE_API_KEY: Severity.MEDIUM,  # often a browser key, restricted by referrer
    Kind.SECRET: Severity.CRITICAL,
    Kind.API_TOKEN: Severity.HIGH,
    Kind.JWT: Severity.MEDIUM,
    Kind.PASSWORD: Severity.CRITICAL,
    Kind.PASSWORD_HASH: Severity.HIGH,
    Kind.CARD_NUMBER: Severity.HIGH,
    Kind.NATIONAL_ID: Severity.HIGH,
    Kind.EMAIL: Severity.MEDIUM,
    Kind.PHONE: Severity.MEDIUM,
}
_LABEL = {
    Kind.AWS_ACCESS_KEY_ID: "AWS access key id",
    Kind.AWS_SECRET_ACCESS_KEY: "AWS secret access key",
    Kind.AWS_SESSION_TOKEN: "AWS session token",
    Kind.AWS_ACCOUNT_ARN: "AWS ARN with an account id",
    Kind.PRIVATE_KEY: "private key",
    Kind.GITHUB_TOKEN: "GitHub token",
    Kind.STRIPE_SECRET_KEY: "Stripe live secret key",
    Kind.SLACK_TOKEN: "Slack token",
    Kind.GOOGLE_API_KEY: "Google API key",
    Kind.SECRET: "secret",
    Kind.API_TOKEN: "API key or token",
    Kind.JWT: "JSON Web Token",
    Kind.PASSWORD: "plaintext password",
    Kind.PASSWORD_HASH: "password hash",
    Kind.CARD_NUMBER: "payment card number",
    Kind.NATIONAL_ID: "national id number",
    Kind.EMAIL: "email addresses",
    Kind.PHONE: "phone numbers",
}


@dataclass(frozen=True, kw_only=True, slots=True)
class Detection:
    """One sensitive value found in a body: `path` for JSON, `offset` for text."""

    kind: Kind
    masked: str
    path: str | None = None  # JSON path such as `$.users[3].password_hash`
    offset: int | None = None  # character offset in a text body
    name: str | None = None  # the key or variable name it was found under
    in_collection: bool = False  # inside a JSON array: one of many records
    count: int = 1  # how many distinct values (bulk kinds: emails, phones)
    # The value's own format says what it is (`$2b$...`, `AKIA...`), not only its name.
    self_describing: bool = False
    value: str = field(default="", repr=False, compare=False)  # raw, only for redaction
    others: tuple[str, ...] = field(default=(), repr=False, compare=False)  # bulk: every value

    def values(self) -> tuple[str, ...]:
        """Every raw value this detection stands for (to mask them all)."""
        return self.others or ((self.value,) if self.value else ())

    @property
    def severity(self) -> Severity:
        return self.kind.severity

    @property
    def where(self) -> str:
        if self.path is not None:
            return self.path
        return f"offset {self.offset}" if self.offset is not None else "body"
