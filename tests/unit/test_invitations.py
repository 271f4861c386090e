"""The invitation's link and code: built by the server, read by the app, errors in plain words."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.invitations import InvalidInvitation, make_invitation, parse_invitation

HOSTS = st.from_regex(r"[a-z][a-z0-9-]{0,10}(\.[a-z][a-z0-9-]{0,10}){0,3}", fullmatch=True)
LOCALS = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9.+_-]{0,20}", fullmatch=True)


@given(
    scheme=st.sampled_from(["https", "http"]),
    host=HOSTS,
    port=st.none() | st.integers(1, 65535),
    path=st.sampled_from(["", "/stride", "/a/b"]),
    local=LOCALS,
    domain=HOSTS,
)
def test_the_link_and_the_code_both_read_back_as_built(scheme, host, port, path, local, domain):
    server = f"{scheme}://{host}{f':{port}' if port else ''}{path}"
    built = make_invitation(server + "/", f"{local}@{domain}")
    assert built.server == server
    for form in (built.link, built.code, f"  {built.link}\n"):
        assert parse_invitation(form) == built


def test_a_code_without_a_scheme_means_https_and_http_must_be_written():
    assert parse_invitation("clinic.example.org/amelia@example.org").server == (
        "https://clinic.example.org"
    )
    assert parse_invitation("http://10.0.0.5:5000/amelia@example.org").server == (
        "http://10.0.0.5:5000"
    )
    assert make_invitation("http://10.0.0.5:5000", "a@b.org").code == "http://10.0.0.5:5000/a@b.org"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Paste the invitation link or type the code"),
        ("stride://open?server=https://a.org&user=a@b.org", "must start with stride://join?"),
        ("stride://join?user=a@b.org", "no server address (its server= part)"),
        ("stride://join?server=https://a.org", "no email address (its user= part)"),
        ("stride://join?server=&user=a@b.org", "no server address"),
        ("stride://join?server=clinic.org&user=a@b.org", "server address in the invitation link"),
        ("stride://join?server=https://a.org&user=amelia", "email in the invitation link is wrong"),
        (
            "stride://join?server=https://a.org&server=https://b.org&user=a@b.org",
            "more than one server address",
        ),
        ("https://clinic.example.org", "That is a web address, not an invitation"),
        ("amelia@example.org", "the server, a slash and your email"),
        ("clinic.example.org/amelia", "'amelia' is not one"),
        ("clinic.example.org:80x/a@b.org", "server in the invitation code is wrong"),
    ],
)
def test_a_malformed_invitation_says_what_is_wrong(text, message):
    with pytest.raises(InvalidInvitation) as raised:
        parse_invitation(text)
    assert message in str(raised.value)


def test_the_server_refuses_to_build_an_unusable_invitation():
    with pytest.raises(InvalidInvitation, match="must start with https://"):
        make_invitation("clinic.example.org", "a@b.org")
    with pytest.raises(InvalidInvitation, match="not an email address"):
        make_invitation("https://clinic.example.org", "not an email")
