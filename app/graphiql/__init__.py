"""GraphiQL served from memberhub's own pinned assets, so it works on closed networks.

The assets in static/ are the npm packages' published builds, byte for byte (their
unpkg SRI hashes below); the licence of each sits next to it. To upgrade, replace the
files and their hashes together: `openssl dgst -sha384 -binary FILE | openssl base64 -A`.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from string import Template

STATIC_DIR = Path(__file__).parent / "static"
STATIC_PATH = "/graphiql-static"

# file -> (package@version, sha384 of the published file)
PINNED_ASSETS: dict[str, tuple[str, str]] = {
    "graphiql.min.js": (
        "graphiql@3.9.0",
        "8NGfVj4CVlqHajlZj+bPJT4thxPMHMJYn7DWK2CvtopLd02E7qsPHazniBYvVjOO",
    ),
    "graphiql.min.css": (
        "graphiql@3.9.0",
        "QMux00XgRtwRLSYIY3kw2rj1ovk5AuuliAchk+HSQbqdbGFnz9GYuqIlOqxhwCE2",
    ),
    "react.production.min.js": (
        "react@18.3.1",
        "DGyLxAyjq0f9SPpVevD6IgztCFlnMF6oW/XQGmfe+IsZ8TqEiDrcHkMLKI6fiB/Z",
    ),
    "react-dom.production.min.js": (
        "react-dom@18.3.1",
        "gTGxhz21lVGYNMcdJOyq01Edg0jhn/c22nsx0kyqP0TxaV5WVdsSH1fSDUf5YJj1",
    ),
}

# Only this origin: GraphiQL's icons and fonts are data: URLs inside its stylesheet,
# and React sets inline styles, which 'unsafe-inline' for styles (not scripts) permits.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)

DEFAULT_DOCUMENT = """\
# Sign in: run StaffLogin, then put the session token after "Bearer " in the
# Authorization header (Headers tab below) and run your own operations.
mutation StaffLogin($username: String!, $password: String!) {
  staffLogin(input: {username: $username, password: $password}) {
    session { token expiresAt viewer { roles staff { id displayName } } }
    errors { field code message }
  }
}
"""

# The token goes after "Bearer ". Until then the header signs nobody in; a placeholder
# there would be a token of no session, which is refused (401), staffLogin included.
DEFAULT_HEADERS = '{\n  "Authorization": "Bearer "\n}'


def _sri(name: str) -> str:
    return f"sha384-{PINNED_ASSETS[name][1]}"


@lru_cache(maxsize=1)
def page_html() -> str:
    config = json.dumps({"defaultQuery": DEFAULT_DOCUMENT, "defaultHeaders": DEFAULT_HEADERS})
    template = Template((Path(__file__).parent / "page.html").read_text(encoding="utf-8"))
    return template.substitute(
        static=STATIC_PATH,
        # "</" cannot end the JSON's script element early once escaped.
        config=config.replace("</", "<\\/"),
        sri_graphiql_css=_sri("graphiql.min.css"),
        sri_graphiql_js=_sri("graphiql.min.js"),
        sri_react=_sri("react.production.min.js"),
        sri_react_dom=_sri("react-dom.production.min.js"),
    )
