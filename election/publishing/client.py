"""A small client for Moodle's REST web services (see ``moodle-ws.md`` in the shared docs).

Moodle answers almost every error with HTTP 200 and an ``exception`` key in the body,
so every reply is inspected; each failure becomes a :class:`MoodleError`
(:mod:`election.publishing.messages`) that says what is wrong and what to do about it.
The token travels only in the request body and is never put into a message or a log
line.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import requests

from election.publishing.messages import MoodleError
from election.publishing.rules import normalise_base_url

__all__ = ["REQUIRED_FUNCTIONS", "MoodleClient", "MoodleError", "SiteInfo", "php_form"]

log = logging.getLogger(__name__)

#: (connect, read) seconds. Moodle can be slow to render a forum post with a PDF.
DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 30.0)

#: What the app calls; the token's service must include them (the connection test checks).
REQUIRED_FUNCTIONS = (
    "core_webservice_get_site_info",
    "core_course_get_courses_by_field",
    "mod_forum_get_forums_by_courses",
    "mod_forum_add_discussion",
    "mod_forum_get_forum_discussions",
    "mod_forum_update_discussion_post",
)

#: Fields Moodle gives only to a user who may enter the course; a user who may not
#: gets its public description alone (``get_course_public_information``).
_MEMBER_FIELDS = ("format", "startdate", "visible")


def php_form(params: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Flatten ``params`` into form fields with PHP's bracket notation.

    ``{"courseids": [12]}`` → ``courseids[0]=12``; ``{"options": [{"name": "a",
    "value": 1}]}`` → ``options[0][name]=a&options[0][value]=1``. Booleans are 0/1,
    ``None`` and empty lists are left out (Moodle then uses the default).
    """
    fields: list[tuple[str, str]] = []
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        fields.extend(_flatten(name, value))
    return fields


def _flatten(name: str, value: Any) -> Iterator[tuple[str, str]]:
    if value is None:
        return
    if isinstance(value, Mapping):
        yield from php_form(value, name)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _flatten(f"{name}[{index}]", item)
    elif isinstance(value, bool):
        yield name, "1" if value else "0"
    else:
        yield name, str(value)


@dataclass(frozen=True)
class SiteInfo:
    sitename: str
    release: str
    version: str
    functions: frozenset[str]
    uploadfiles: bool
    max_upload: int | None
    username: str


def can_enter(course: Mapping[str, Any]) -> bool:
    """Whether the service user may enter ``course`` (as Moodle answered about it)."""
    return any(key in course for key in _MEMBER_FIELDS)


class MoodleClient:
    """Calls one Moodle site with one token."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: tuple[float, float] | float = DEFAULT_TIMEOUT,
        http: requests.Session | None = None,
    ) -> None:
        self.base_url = normalise_base_url(base_url)
        self._token = token.strip()
        self.timeout = timeout
        self.http = http or requests.Session()

    def __repr__(self) -> str:  # never the token
        return f"MoodleClient({self.base_url!r})"

    # --- transport --------------------------------------------------------------------

    def _post(self, path: str, **kwargs: Any) -> requests.Response:
        url = f"{self.base_url}/{path}"
        started = time.monotonic()
        try:
            response = self.http.post(url, timeout=self.timeout, allow_redirects=False, **kwargs)
        except requests.Timeout as exc:
            seconds = self.timeout[1] if isinstance(self.timeout, tuple) else self.timeout
            log.warning("Moodle %s: timeout", path)
            raise MoodleError("timeout", seconds=seconds) from exc
        except requests.RequestException as exc:
            log.warning("Moodle %s: %s", path, type(exc).__name__)
            raise MoodleError("network", url=self.base_url) from exc
        log.info(
            "Moodle %s: HTTP %s in %.0f ms",
            path,
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
        return response

    def _decode(self, response: requests.Response) -> Any:
        if response.status_code == 403 and not response.content.strip():
            raise self._forbidden()
        if 300 <= response.status_code < 400:
            # Not followed: a redirected POST arrives as a GET without the token.
            raise MoodleError(
                "not_moodle",
                url=self.base_url,
                detail=f"HTTP {response.status_code}, przekierowanie na "
                f"{response.headers.get('Location', '?')} — wpisz adres docelowy",
            )
        if response.status_code in (404, 405):
            raise MoodleError(
                "not_moodle", url=self.base_url, detail=f"HTTP {response.status_code}"
            )
        if response.status_code != 200:
            raise MoodleError("http_error", status=response.status_code)
        try:
            return json.loads(response.content.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            content_type = response.headers.get("Content-Type", "?").split(";")[0]
            raise MoodleError(
                "not_moodle", url=self.base_url, detail=f"odpowiedź {content_type} zamiast JSON"
            ) from exc

    def _forbidden(self) -> MoodleError:
        """The REST endpoint's empty 403: web services off, or only the REST protocol.

        ``webservice/rest/server.php`` answers both the same way. ``login/token.php``
        checks the web services switch first (``enablewsdescription``) and needs no
        token; asked with ``appsitecheck=1`` (Moodle 3.x–4.x) it says ``ok`` when web
        services are on, and any other answer also means they are on.
        """
        try:
            response = self._post("login/token.php", data={"appsitecheck": "1"})
            body = json.loads(response.content.decode("utf-8"))
        except (MoodleError, UnicodeDecodeError, ValueError):
            return MoodleError("rest_or_webservices_disabled")
        if isinstance(body, dict) and body.get("errorcode") == "enablewsdescription":
            return MoodleError("webservices_disabled")
        if isinstance(body, dict):
            return MoodleError("rest_disabled")
        return MoodleError("rest_or_webservices_disabled")

    def _redact(self, text: Any) -> str:
        text = str(text or "")
        return text.replace(self._token, "***") if self._token else text

    def call(self, function: str, **params: Any) -> Any:
        """Call ``function`` with ``params``; its return value, or :class:`MoodleError`."""
        form = [
            ("wstoken", self._token),
            ("wsfunction", function),
            ("moodlewsrestformat", "json"),
            *php_form(params),
        ]
        body = self._decode(self._post("webservice/rest/server.php", data=form))
        if isinstance(body, dict) and "exception" in body:
            code = str(body.get("errorcode") or body.get("exception"))
            log.warning("Moodle %s failed: %s", function, code)
            raise MoodleError(code, function=function, detail=self._redact(body.get("message")))
        if isinstance(body, dict) and "errorcode" in body and "error" in body:
            # The shape of login/token.php and upload.php errors; a proxy in front of
            # the REST endpoint could answer like this too.
            code = str(body["errorcode"])
            raise MoodleError(code, function=function, detail=self._redact(body["error"]))
        return body

    def upload(self, content: bytes, filename: str, mimetype: str = "application/pdf") -> int:
        """Put a file into a new draft area; its ``itemid`` (for ``attachmentsid``)."""
        response = self._post(
            "webservice/upload.php",
            data={"token": self._token, "filepath": "/", "itemid": "0"},
            files={"file_1": (filename, content, mimetype)},
        )
        body = self._decode(response)
        if isinstance(body, dict) and "errorcode" in body:
            code = str(body["errorcode"])
            if code == "invalidtoken":
                raise MoodleError("invalidtoken")
            if code == "accessexception":
                raise MoodleError("upload_disabled")
            raise MoodleError(
                "upload_failed", filename=filename, detail=self._redact(body.get("error"))
            )
        if not isinstance(body, list) or not body or not isinstance(body[0], dict):
            raise MoodleError(
                "not_moodle", url=self.base_url, detail="nieznana odpowiedź upload.php"
            )
        first = body[0]
        if "errortype" in first or "error" in first:
            raise MoodleError(
                "upload_failed",
                filename=filename,
                detail=self._redact(first.get("error") or first.get("errortype")),
            )
        try:
            return int(first["itemid"])
        except (KeyError, TypeError, ValueError) as exc:
            raise MoodleError(
                "not_moodle", url=self.base_url, detail="brak itemid w odpowiedzi upload.php"
            ) from exc

    # --- the calls the app makes ------------------------------------------------------

    def get_site_info(self) -> SiteInfo:
        body = self.call("core_webservice_get_site_info")
        if not isinstance(body, dict) or "sitename" not in body:
            raise MoodleError("not_moodle", url=self.base_url, detail="brak danych witryny")
        return SiteInfo(
            sitename=str(body.get("sitename", "")),
            release=str(body.get("release", "")),
            version=str(body.get("version", "")),
            functions=frozenset(
                f.get("name", "") for f in body.get("functions") or [] if isinstance(f, dict)
            ),
            uploadfiles=bool(body.get("uploadfiles")),
            max_upload=body.get("usermaxuploadfilesize"),
            username=str(body.get("username", "")),
        )

    def find_course(self, course: str) -> dict[str, Any]:
        """The course by shortname, or by id when ``course`` is a number."""
        course = course.strip()
        field = "id" if course.isdigit() else "shortname"
        body = self.call("core_course_get_courses_by_field", field=field, value=course)
        courses = body.get("courses") if isinstance(body, dict) else None
        if courses is None:
            raise MoodleError("not_moodle", url=self.base_url, detail="brak listy kursów")
        if not courses:
            raise MoodleError("course_not_found", course=course)
        return dict(courses[0])

    def find_news_forum(self, course: Mapping[str, Any], *, user: str = "") -> dict[str, Any]:
        """The course's announcements forum (``type == "news"``).

        Moodle lists no forum of a course the service user may not enter (not
        enrolled): that is told apart from a course without a news forum.
        """
        forums = self.call("mod_forum_get_forums_by_courses", courseids=[int(course["id"])])
        if not isinstance(forums, list):
            raise MoodleError("not_moodle", url=self.base_url, detail="brak listy forów")
        for forum in forums:
            if isinstance(forum, dict) and forum.get("type") == "news":
                return forum
        name = course.get("fullname") or course.get("id")
        if not forums and not can_enter(course):
            raise MoodleError("not_enrolled", course=name, user=user or "?")
        raise MoodleError("no_news_forum", course=name)

    def add_discussion(
        self, forum_id: int, subject: str, message: str, *, attachments_id: int | None = None
    ) -> int:
        """Post a new announcement; its discussion id.

        ``subject`` is plain text (Moodle rejects markup there); ``message`` is HTML.
        """
        options: list[dict[str, Any]] = [{"name": "discussionsubscribe", "value": 0}]
        if attachments_id is not None:
            options.append({"name": "attachmentsid", "value": attachments_id})
        body = self.call(
            "mod_forum_add_discussion",
            forumid=forum_id,
            subject=subject,
            message=message,
            groupid=0,
            options=options,
        )
        try:
            return int(body["discussionid"])
        except (KeyError, TypeError, ValueError) as exc:
            raise MoodleError("not_moodle", url=self.base_url, detail="brak discussionid") from exc

    def find_discussion(
        self, forum_id: int, discussion_id: int, *, perpage: int = 50
    ) -> dict[str, Any] | None:
        """The discussion as listed in ``forum_id`` (its first post's ``id``,
        ``attachment`` …), or ``None`` when the forum has no such discussion."""
        for page in range(100):
            body = self.call(
                "mod_forum_get_forum_discussions",
                forumid=forum_id,
                sortorder=-1,
                page=page,
                perpage=perpage,
            )
            discussions = body.get("discussions") if isinstance(body, dict) else None
            if discussions is None:
                raise MoodleError("not_moodle", url=self.base_url, detail="brak listy dyskusji")
            for item in discussions:
                if int(item.get("discussion", -1)) == discussion_id:
                    return dict(item)
            if len(discussions) < perpage:
                return None
        return None

    def first_post_id(self, forum_id: int, discussion_id: int, *, perpage: int = 50) -> int | None:
        """The id of the discussion's first post (what an update edits), or ``None``."""
        item = self.find_discussion(forum_id, discussion_id, perpage=perpage)
        return None if item is None else int(item["id"])

    def update_discussion_post(
        self, post_id: int, subject: str, message: str, *, attachments_id: int | None = None
    ) -> None:
        options: list[dict[str, Any]] = []
        if attachments_id is not None:
            options.append({"name": "attachmentsid", "value": attachments_id})
        body = self.call(
            "mod_forum_update_discussion_post",
            postid=post_id,
            subject=subject,
            message=message,
            messageformat=1,
            options=options,
        )
        if not isinstance(body, dict) or not body.get("status"):
            raise MoodleError(
                "moodle",
                errorcode="status",
                function="mod_forum_update_discussion_post",
                detail="Moodle nie potwierdził zmiany wpisu",
            )

    def discussion_url(self, discussion_id: int) -> str:
        return f"{self.base_url}/mod/forum/discuss.php?d={discussion_id}"
