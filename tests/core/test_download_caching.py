"""Downloads that hold personal data are never kept by a browser or proxy cache."""

import pytest

DOWNLOADS = (
    ("admin", "/transfer/export.zip"),
    ("auditor", "/audit/export.csv"),
    ("auditor", "/reports/gaps.csv"),
    ("auditor", "/reports/gaps.xlsx"),
    ("admin", "/users/review.csv"),
)


@pytest.mark.parametrize(("role", "path"), DOWNLOADS)
def test_downloads_of_personal_data_are_not_stored(client_as, role, path):
    response = client_as(role).get(path)
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
