"""A real OpenID Connect provider for the tests, built from Authlib's server components and
served in-process on 127.0.0.1 (a free port): discovery, authorisation (code flow, PKCE S256
required, nonce required), token endpoint with client secret, ID tokens signed RS256 with a
key published at the JWKS endpoint, user info, and an end-session endpoint.

(`oidc-provider-mock` 0.3.4, the last release for Python 3.11, does not check PKCE; 0.4
needs Python 3.12. This provider refuses a token request without the right code verifier.)

The test chooses who "logs in" at the provider: `provider.login_as = {...claims...}`. It can
also make the provider misbehave: `id_token_changes` (claims replaced in the signed ID token: a
wrong nonce, issuer, audience or time), `id_token_omits` (claims sent in the user info only, as
OpenID Connect Core 5.4 allows) and `userinfo_fails`.
"""

import json
import secrets
import threading
import time
from dataclasses import dataclass, field

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from flask import Flask, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

CLIENT_ID = "kennisborg"
CLIENT_SECRET = "test-client-secret"


@dataclass
class Client:
    client_id: str
    client_secret: str
    redirect_uris: list = field(default_factory=list)

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0] if self.redirect_uris else None

    def get_allowed_scope(self, scope):
        return " ".join(s for s in (scope or "").split() if s in ("openid", "email", "profile"))

    def check_redirect_uri(self, redirect_uri):
        return True  # the test app runs on a test-client host

    def check_client_secret(self, client_secret):
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


@dataclass
class AuthorizationCode:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    user: dict
    auth_time: int

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def get_acr(self):
        return None

    def get_amr(self):
        return None


class Provider:
    """The provider's state; `url` is its issuer once started."""

    def __init__(self):
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig"})
        self.client = Client(CLIENT_ID, CLIENT_SECRET)
        self.codes: dict[str, AuthorizationCode] = {}
        self.login_as: dict = {}
        self.token_requests: list[dict] = []
        self.logouts: list[dict] = []
        self.id_token_changes: dict = {}
        self.id_token_omits: set[str] = set()
        self.userinfo_fails = False
        self.url = ""
        self.app = self._build()

    def _build(self) -> Flask:
        app = Flask("test-oidc-provider")
        provider = self

        def query_client(client_id):
            return provider.client if client_id == provider.client.client_id else None

        def save_token(token, req):
            pass

        server = AuthorizationServer(app, query_client=query_client, save_token=save_token)

        class CodeGrant(grants.AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

            def save_authorization_code(self, code, req):
                data = req.payload.data
                provider.codes[code] = AuthorizationCode(
                    code=code,
                    client_id=req.client.client_id,
                    redirect_uri=req.payload.redirect_uri,
                    scope=req.payload.scope,
                    nonce=data.get("nonce"),
                    code_challenge=data.get("code_challenge"),
                    code_challenge_method=data.get("code_challenge_method"),
                    user=dict(req.user),
                    auth_time=int(time.time()),
                )

            def query_authorization_code(self, code, client):
                found = provider.codes.get(code)
                return found if found and found.client_id == client.client_id else None

            def delete_authorization_code(self, authorization_code):
                provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code):
                return authorization_code.user

        class IdToken(OpenIDCode):
            def exists_nonce(self, nonce, req):
                return any(c.nonce == nonce for c in provider.codes.values())

            def resolve_client_private_key(self, client):
                return provider.key

            def get_client_algorithm(self, client):
                return "RS256"

            def get_client_claims(self, client):
                now = int(time.time())
                return {"iss": provider.url, "aud": [client.client_id], "exp": now + 300}

            def get_encode_header(self, client):
                return {"alg": "RS256", "kid": "test-key"}

            def generate_user_info(self, user, scope):
                return UserInfo(user)

        server.register_grant(
            CodeGrant, [IdToken(require_nonce=True), CodeChallenge(required=True)]
        )

        @app.get("/.well-known/openid-configuration")
        def discovery():
            base = provider.url
            return jsonify(
                issuer=base,
                authorization_endpoint=base + "/authorize",
                token_endpoint=base + "/token",
                jwks_uri=base + "/jwks",
                userinfo_endpoint=base + "/userinfo",
                end_session_endpoint=base + "/logout",
                response_types_supported=["code"],
                subject_types_supported=["public"],
                id_token_signing_alg_values_supported=["RS256"],
                code_challenge_methods_supported=["S256"],
                token_endpoint_auth_methods_supported=["client_secret_basic"],
            )

        @app.get("/authorize")
        def authorize():
            # The person at the provider is whoever the test says; no consent screen.
            user = dict(provider.login_as)
            grant = server.get_consent_grant(end_user=user)
            return server.create_authorization_response(grant=grant, grant_user=user)

        @app.post("/token")
        def token():
            provider.token_requests.append(request.form.to_dict())
            response = server.create_token_response()
            body = json.loads(response.get_data())
            if "id_token" in body and (provider.id_token_changes or provider.id_token_omits):
                body["id_token"] = provider.reissued(body["id_token"])
                response.set_data(json.dumps(body))
            return response

        @app.get("/jwks")
        def jwks():
            return jsonify(keys=[provider.key.as_dict(private=False)])

        @app.get("/userinfo")
        def userinfo():
            if provider.userinfo_fails:
                return "unavailable", 503
            return jsonify(provider.login_as)

        @app.get("/logout")
        def logout():
            provider.logouts.append(request.args.to_dict())
            target = request.args.get("post_logout_redirect_uri")
            return redirect(target) if target else "logged out"

        return app

    def reissued(self, id_token: str) -> str:
        """The ID token signed again (with the provider's own key) after the test's changes."""
        claims = dict(jwt.decode(id_token, self.key).claims)
        claims = {k: v for k, v in claims.items() if k not in self.id_token_omits}
        claims |= self.id_token_changes
        return jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, self.key)

    def serve(self):
        """Start serving on a free loopback port; returns the stop function."""
        server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{server.server_port}"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()

        def stop():
            server.shutdown()
            thread.join()

        return stop
