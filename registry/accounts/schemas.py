"""The API schema of the account and token making a request."""

import marshmallow as ma
from marshmallow import validate

from registry.accounts.models.tokens import TOKEN_SCOPES
from registry.core.schemas import Out, UtcDateTime

# --- tokens (for the docs of who is calling) -------------------------------------------------


class WhoAmI(Out):
    email = ma.fields.String(metadata={"example": "hr-koppeling@voorbeeldstad.example"})
    role = ma.fields.String(metadata={"example": "editor"})
    scope = ma.fields.String(validate=validate.OneOf(TOKEN_SCOPES), metadata={"example": "write"})
    token_id = ma.fields.Integer(metadata={"example": 1})
    expires_at = UtcDateTime()
