import pytest

pytestmark = pytest.mark.both_engines


def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert b'name="username"' in response.data
    assert b'name="csrf_token"' in response.data
