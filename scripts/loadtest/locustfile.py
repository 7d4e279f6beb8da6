"""Locust users for `make loadtest` (scripts/loadtest/run.py starts the server and this file).

Every simulated user logs in through the real login form with an account of one role and
then reads pages and writes as that role may: editors edit people, managers plan mitigations,
admins export personal data, auditors filter, download and verify the audit log. Forms are
read from the page (CSRF token, version, every field) and sent back with one change, so the
server sees what a browser sends. A response counts as failed only when it is a server error
(5xx) or never arrives: refusals (403), conflicts (409) and re-shown forms (200) are answers.
"""

import itertools
import json
import os
import random
from collections import Counter
from html.parser import HTMLParser

import pyotp
from locust import HttpUser, between, events, task

TARGETS = json.loads(open(os.environ["LOADTEST_TARGETS"]).read())  # noqa: SIM115
_accounts = {role: itertools.cycle(emails) for role, emails in TARGETS["accounts"].items()}
_statuses: Counter = Counter()


@events.request.add_listener
def _count_status(request_type, name, response=None, **_kwargs):
    status = getattr(response, "status_code", 0) or 0
    _statuses[f"{request_type} {name} {status}"] += 1


@events.quitting.add_listener
def _write_statuses(**_kwargs):
    path = os.environ.get("LOADTEST_STATUSES")
    if path:
        with open(path, "w") as handle:
            json.dump(dict(sorted(_statuses.items())), handle, indent=1)


class _Forms(HTMLParser):
    """The POST forms of a page: action and the values a browser would send."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            self._form = {"action": a.get("action") or "", "fields": {}}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button"):
                self._form["fields"][a["name"]] = a.get("value") or ""
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form["fields"].setdefault(self._select, "")
        elif tag == "option" and self._select:
            fields = self._form["fields"]
            if "selected" in a or not fields[self._select]:
                fields[self._select] = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._form["fields"][self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea] += data


def post_form(html: str, action_contains: str) -> dict | None:
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        if action_contains in form["action"] or form["action"] == "":
            return form
    return None


class RegistryUser(HttpUser):
    abstract = True
    role = "auditor"
    wait_time = between(0.5, 2)

    def on_start(self):
        page = self.client.get("/login", name="/login").text
        form = post_form(page, "/login")
        email = next(_accounts[self.role])
        fields = {
            **(form["fields"] if form else {}),
            "email": email,
            "password": TARGETS["password"],
        }
        with self.client.post(
            "/login", data=fields, allow_redirects=False, catch_response=True, name="/login"
        ) as response:
            if response.status_code != 302:
                response.failure(f"login as {self.role} answered {response.status_code}")
            second_step = response.headers.get("Location", "").startswith("/two-factor/code")
        if second_step:  # administrators: the code of their authenticator
            page = self.client.get("/two-factor/code", name="/two-factor/code").text
            form = post_form(page, "/two-factor/code")
            fields = {
                **(form["fields"] if form else {}),
                "code": pyotp.TOTP(TARGETS["totp"][email]).now(),
            }
            with self.client.post(
                "/two-factor/code",
                data=fields,
                allow_redirects=False,
                catch_response=True,
                name="/two-factor/code",
            ) as response:
                if response.status_code != 302:
                    response.failure(f"two-factor code answered {response.status_code}")

    def get(self, path: str, name: str | None = None):
        with self.client.get(path, name=name or path, catch_response=True) as response:
            self._judge(response)
            return response

    def post(self, path: str, data: dict, name: str):
        with self.client.post(
            path, data=data, name=name, allow_redirects=False, catch_response=True
        ) as response:
            self._judge(response)
            return response

    @staticmethod
    def _judge(response):
        if response.status_code >= 500 or response.status_code == 0:
            response.failure(f"server error {response.status_code}")
        else:
            response.success()

    def person(self) -> str:
        return random.choice(TARGETS["people"])

    # --- reads every role does ---------------------------------------------------------------

    @task(3)
    def dashboard(self):
        self.get("/reports/")

    @task(3)
    def gaps(self):
        self.get("/reports/gaps")

    @task(1)
    def matrix(self):
        self.get("/reports/matrix")

    @task(2)
    def person_dossier(self):
        self.get(f"/people/{self.person()}", name="/people/[number]")

    @task(2)
    def service_dossier(self):
        self.get(f"/services/{random.choice(TARGETS['services'])}", name="/services/[code]")

    @task(1)
    def what_if(self):
        self.get(
            f"/reports/what-if?change_1-person={self.person()}", name="/reports/what-if?[person]"
        )

    @task(1)
    def people_list(self):
        self.get("/people/")


class Auditor(RegistryUser):
    role = "auditor"

    @task(2)
    def audit_log(self):
        self.get("/audit/")
        self.get("/audit/?entity=person", name="/audit/?entity=person")

    @task(1)
    def gaps_csv(self):
        self.get("/reports/gaps.csv")

    @task(1)
    def verify_chain(self):
        page = self.get("/audit/verify").text
        form = post_form(page, "/audit/verify")
        if form:
            self.post("/audit/verify", form["fields"], "/audit/verify")


class Manager(RegistryUser):
    role = "manager"

    @task(3)
    def plan_mitigation(self):
        code, rid = random.choice(TARGETS["requirements"])
        path = f"/services/{code}/requirements/{rid}/mitigations/new"
        page = self.get(path, name="/services/[code]/requirements/[id]/mitigations/new").text
        form = post_form(page, "/mitigations/new")
        if form:
            fields = {**form["fields"], "note": "Kennisoverdracht (load test)"}
            self.post(path, fields, "/services/[code]/requirements/[id]/mitigations/new")


class Editor(RegistryUser):
    role = "editor"

    @task(3)
    def edit_person(self):
        number = self.person()
        path = f"/people/{number}/edit"
        page = self.get(path, name="/people/[number]/edit").text
        form = post_form(page, "/edit")
        if form:
            fields = {**form["fields"], "job_title": f"Adviseur {random.randint(1, 999)}"}
            self.post(path, fields, "/people/[number]/edit")


class Admin(RegistryUser):
    role = "admin"

    @task(2)
    def users_page(self):
        self.get("/users/")

    @task(1)
    def privacy_dry_run(self):
        self.get("/privacy/")

    @task(2)
    def export_person(self):
        self.get(f"/privacy/people/{self.person()}.json", name="/privacy/people/[number].json")

    @task(2)
    def edit_person(self):
        Editor.edit_person(self)
