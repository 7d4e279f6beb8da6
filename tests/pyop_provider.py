"""An independent OpenID provider for the interoperability test: pyop (IdentityPython's
provider library, which nobody here wrote) behind a few Flask routes, served over HTTPS with a
certificate from a test CA (trustme) on a free loopback port.

pyop does the protocol: discovery, the authorisation request's checks (registered client and
redirect URI, PKCE), codes, the token endpoint with client authentication, RS256 ID tokens with
the nonce, user info by scope (OpenID Connect Core 5.4: e-mail and name are in the user info,
not in the ID token), and RP-initiated logout with `id_token_hint`. These routes only pass
requests to it and log the person the test chooses in at once (no login screen).
"""

import ssl
import threading
from urllib.parse import urlencode

import trustme
from Cryptodome.PublicKey import RSA
from flask import Flask, jsonify, make_response, redirect, request
from jwkest.jwk import RSAKey
from oic.oic.message import EndSessionRequest, TokenErrorResponse
from pyop.authz_state import AuthorizationState
from pyop.exceptions import InvalidAuthenticationRequest, InvalidClientAuthentication, OAuthError
from pyop.provider import Provider
from pyop.subject_identifier import HashBasedSubjectIdentifierFactory
from pyop.userinfo import Userinfo
from pyop.util import should_fragment_encode
from werkzeug.serving import make_server

USER = "anna"


class PyopProvider:
    """Start with `serve()`; then `register_client(...)` once the registry's address is known.

    `groups` go into the ID token (as Keycloak's group mapper puts them); `wrong_nonce` makes
    the provider sign an ID token for another nonce than the registry sent."""

    def __init__(self, tmp_path):
        self.ca = trustme.CA()
        self.ca_bundle = str(tmp_path / "test-ca.pem")
        self.ca.cert_pem.write_to_path(self.ca_bundle)
        self.users = {
            USER: {
                "sub": "anna-at-the-provider",
                "email": "anna.manager@gemeente.example",
                "email_verified": True,
                "name": "Anna Manager",
            }
        }
        self.groups: list[str] = []
        self.wrong_nonce = False
        self.logouts: list[dict] = []
        self.clients: dict = {}
        self.issuer = ""
        self.provider: Provider | None = None

    def register_client(self, client_id, client_secret, redirect_uri, post_logout_uri) -> None:
        self.clients[client_id] = {
            "client_secret": client_secret,
            "redirect_uris": [redirect_uri],
            "post_logout_redirect_uris": [post_logout_uri],
            "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_basic",
        }

    def _build_provider(self) -> Provider:
        configuration = {
            "issuer": self.issuer,
            "authorization_endpoint": self.issuer + "/authorize",
            "token_endpoint": self.issuer + "/token",
            "jwks_uri": self.issuer + "/jwks",
            "userinfo_endpoint": self.issuer + "/userinfo",
            "end_session_endpoint": self.issuer + "/logout",
            "scopes_supported": ["openid", "email", "profile"],
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
        }
        key = RSAKey(key=RSA.generate(2048), alg="RS256", kid="pyop-test")
        state = AuthorizationState(HashBasedSubjectIdentifierFactory("salt"))
        return Provider(key, configuration, state, self.clients, Userinfo(self.users))

    def _app(self) -> Flask:
        app = Flask("pyop-test-provider")
        op = self

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return jsonify(op.provider.provider_configuration.to_dict())

        @app.get("/jwks")
        def jwks():
            return jsonify(op.provider.jwks)

        @app.get("/authorize")
        def authorize():
            try:
                asked = op.provider.parse_authentication_request(
                    urlencode(request.args), request.headers
                )
            except InvalidAuthenticationRequest as error:
                return make_response(f"invalid authentication request: {error}", 400)
            if op.wrong_nonce:
                asked["nonce"] = "a-nonce-the-registry-never-sent"
            answer = op.provider.authorize(asked, USER)
            return redirect(answer.request(asked["redirect_uri"], should_fragment_encode(asked)))

        @app.post("/token")
        def token():
            try:
                answer = op.provider.handle_token_request(
                    request.get_data().decode(),
                    request.headers,
                    extra_id_token_claims={"groups": list(op.groups)},
                )
            except InvalidClientAuthentication as error:
                refusal = TokenErrorResponse(error="invalid_client", error_description=str(error))
                return make_response(refusal.to_json(), 401, {"Content-Type": "application/json"})
            except OAuthError as error:
                refusal = TokenErrorResponse(error=error.oauth_error, error_description=str(error))
                return make_response(refusal.to_json(), 400, {"Content-Type": "application/json"})
            return jsonify(answer.to_dict())

        @app.route("/userinfo", methods=["GET", "POST"])
        def userinfo():
            answer = op.provider.handle_userinfo_request(
                request.get_data().decode(), request.headers
            )
            return jsonify(answer.to_dict())

        @app.get("/logout")
        def logout():
            asked = EndSessionRequest().deserialize(urlencode(request.args))
            op.logouts.append(asked.to_dict())
            op.provider.logout_user(end_session_request=asked)
            back = op.provider.do_post_logout_redirect(asked)
            return redirect(back) if back else make_response("Logout unsuccessful", 400)

        return app

    def serve(self):
        """Serve over HTTPS on a free loopback port; returns the stop function."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        server = make_server("127.0.0.1", 0, self._app(), threaded=True, ssl_context=context)
        self.issuer = f"https://127.0.0.1:{server.server_port}"
        self.provider = self._build_provider()
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()

        def stop():
            server.shutdown()
            thread.join()

        return stop
