"""Fixtures for the API: a token per role and scope, and clients that send it."""

import pytest

from registry.extensions import db
from registry.services import audit
from registry.services import tokens as token_service


def make_token(user, scope="write", days=30):
    """A token for `user`; returns the secret."""
    _token, secret = token_service.create_token(audit.Actor.system("test"), user, scope, days)
    db.session.commit()
    return secret


@pytest.fixture
def api_as(app, users):
    """api_as('editor', scope='read') → a test client sending that role's bearer token."""

    def _client(role: str, scope: str = "write"):
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {make_token(users[role], scope)}"
        return client

    return _client
