from clinic.auth import service as accounts
from clinic.demo import DEMO_EMAIL, DEMO_PASSWORD


def test_therapist_create_list_disable(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["therapist", "create", "Kim@Example.org", "--name", "Kim"],
        input="a long password\na long password\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created kim@example.org" in result.output

    listed = runner.invoke(args=["therapist", "list"])
    assert "kim@example.org\tKim" in listed.output

    runner.invoke(args=["therapist", "disable", "kim@example.org"])
    assert accounts.find_therapist("kim@example.org").is_disabled
    assert accounts.authenticate("kim@example.org", "a long password") is None


def test_therapist_create_explains_a_short_password(app):
    result = app.test_cli_runner().invoke(
        args=["therapist", "create", "a@example.org", "--password", "short"]
    )
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output


def test_demo_creates_a_working_login_once(app, client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "--if-empty"])
    assert f"{DEMO_EMAIL} / {DEMO_PASSWORD}" in first.output
    second = runner.invoke(args=["demo", "--if-empty"])
    assert "already has data" in second.output

    response = client.post("/login", data={"email": DEMO_EMAIL, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert b"Couple A (demo)" in client.get("/couples/").data
