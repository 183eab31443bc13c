"""A fake Moodle: a real HTTP server speaking Moodle's REST web services.

It implements what ``moodle-ws.md`` describes, as Moodle does it: form-encoded
parameters with PHP brackets, ``moodlewsrestformat`` (JSON, else XML), errors as HTTP
200 bodies with an ``exception`` key, the token check, functions allowed per the token's
service, parameters validated (unknown or missing keys, markup in a plain-text subject,
a non-integer id are all refused) and ``webservice/upload.php`` answering ``text/plain``.

The site has three courses: "Umowy SEKAP" (id 12, ``umowy-sekap``, news forum 3), a course
nobody has opened (id 13, ``pusty``, no news forum) and "Próba wyborów" (id 14,
``proba-wyborow``, news forum 6). A token belongs to a service user who may be enrolled
in some courses only (``add_token(..., courses={14})``): as in Moodle, a course the user
cannot enter is still found, with its public fields only, its forums list is ``[]`` and
its forum calls fail with ``requireloginerror``. Without ``mod/forum:addnews`` a news forum
says ``cancreatediscussions: false`` and refuses the post; without
``mod/forum:createattachment`` the attachment is silently dropped (Moodle sets
``attachmentsid`` to 0); without ``mod/forum:editanypost`` a post can be updated only
within ``maxeditingtime``.

Switches: ``rest_enabled = False`` (the REST protocol off: HTTP 403, empty body),
``webservices_enabled = False`` (web services off: the same 403 from the REST endpoint, and
``login/token.php`` answers ``enablewsdescription``), ``stop()``/``start()`` (down), ``hang``
(answers only after ``release()``), ``impersonate_html`` (a web server that is not Moodle),
``redirect_to`` (a site that moved). Every request is kept in ``requests`` for the tests
to assert on.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import itertools
import json
import os
import random
import re
import secrets
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from xml.sax.saxutils import escape as xml_escape

GOOD_TOKEN = "0123456789abcdef0123456789abcdef"

FORUM_FUNCTIONS = frozenset(
    {
        "core_webservice_get_site_info",
        "core_course_get_courses_by_field",
        "mod_forum_get_forums_by_courses",
        "mod_forum_add_discussion",
        "mod_forum_get_forum_discussions",
        "mod_forum_update_discussion_post",
    }
)


class MoodleException(Exception):
    def __init__(self, exception: str, errorcode: str, message: str, debuginfo: str = "") -> None:
        super().__init__(message)
        self.exception = exception
        self.errorcode = errorcode
        self.message = message
        self.debuginfo = debuginfo


def invalid_parameter(debuginfo: str) -> MoodleException:
    return MoodleException(
        "invalid_parameter_exception",
        "invalidparameter",
        "Invalid parameter value detected",
        debuginfo,
    )


# --- parameter descriptions, as in external_api ---------------------------------------

INT, BOOL, TEXT, RAW, ALPHA, ALPHANUM, ALPHANUMEXT = (
    "int",
    "bool",
    "text",
    "raw",
    "alpha",
    "alphanum",
    "alphanumext",
)
_REQUIRED = object()


@dataclass
class Value:
    type: str
    default: Any = _REQUIRED


@dataclass
class Single:
    keys: dict[str, Any]
    default: Any = _REQUIRED


@dataclass
class Multiple:
    content: Any
    default: Any = _REQUIRED


_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!?]")


def _clean_ok(value: str, type_: str) -> bool:
    """Whether Moodle's ``validate_param`` accepts ``value`` (cleaning must not change it)."""
    if type_ == INT:
        return re.fullmatch(r"-?\d+", value) is not None
    if type_ == BOOL:
        return value in ("0", "1")
    if type_ == TEXT:
        return _TAG.search(value) is None
    if type_ == ALPHA:
        return re.fullmatch(r"[a-zA-Z]*", value) is not None
    if type_ == ALPHANUM:
        return re.fullmatch(r"[a-zA-Z0-9]*", value) is not None
    if type_ == ALPHANUMEXT:
        return re.fullmatch(r"[a-zA-Z0-9_-]*", value) is not None
    return True


def validate(desc: Any, value: Any, path: str) -> Any:
    if isinstance(desc, Value):
        if isinstance(value, dict):
            raise invalid_parameter(
                f"{path}: Invalid external api parameter: the value is not a scalar"
            )
        if not _clean_ok(value, desc.type):
            raise invalid_parameter(
                f'{path}: Invalid external api parameter: the value is "{value}"'
            )
        if desc.type in (INT,):
            return int(value)
        if desc.type == BOOL:
            return value == "1"
        return value
    if isinstance(desc, Single):
        if not isinstance(value, dict):
            raise invalid_parameter(f"{path}: Only arrays accepted.")
        result = {}
        for key, sub in desc.keys.items():
            if key not in value:
                if sub.default is _REQUIRED:
                    raise invalid_parameter(
                        f"{path}: Missing required key in single structure: {key}"
                    )
                result[key] = sub.default
                continue
            result[key] = validate(sub, value[key], f"{path}/{key}" if path else key)
        unexpected = [k for k in value if k not in desc.keys]
        if unexpected:
            raise invalid_parameter(
                f"Unexpected keys ({', '.join(unexpected)}) detected in parameter array."
            )
        return result
    if isinstance(desc, Multiple):
        if not isinstance(value, dict):
            raise invalid_parameter(f"{path}: Only arrays accepted. The bad value is: '{value}'")
        return [validate(desc.content, item, path) for item in value.values()]
    raise AssertionError(desc)


OPTION = Single({"name": Value(ALPHANUM), "value": Value(RAW)})

FUNCTIONS: dict[str, Single] = {
    "core_webservice_get_site_info": Single(
        {"serviceshortnames": Multiple(Value(ALPHANUMEXT), [])}
    ),
    "core_course_get_courses_by_field": Single(
        {"field": Value(ALPHA, ""), "value": Value(RAW, "")}
    ),
    "mod_forum_get_forums_by_courses": Single({"courseids": Multiple(Value(INT), [])}),
    "mod_forum_add_discussion": Single(
        {
            "forumid": Value(INT),
            "subject": Value(TEXT),
            "message": Value(RAW),
            "groupid": Value(INT, 0),
            "options": Multiple(OPTION, []),
        }
    ),
    "mod_forum_get_forum_discussions": Single(
        {
            "forumid": Value(INT),
            "sortorder": Value(INT, -1),
            "page": Value(INT, -1),
            "perpage": Value(INT, 0),
            "groupid": Value(INT, 0),
        }
    ),
    "mod_forum_update_discussion_post": Single(
        {
            "postid": Value(INT),
            "subject": Value(TEXT, ""),
            "message": Value(RAW, ""),
            "messageformat": Value(INT, 1),
            "options": Multiple(OPTION, []),
        }
    ),
}

#: Functions that exist in Moodle but that no test token's service includes.
OTHER_FUNCTIONS = frozenset({"core_user_get_users", "core_course_create_courses"})


def php_parse(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Form fields with PHP bracket names into nested dicts, as PHP builds ``$_POST``."""
    root: dict[str, Any] = {}
    for name, value in pairs:
        match = re.match(r"^([^\[]+)((?:\[[^\]]*\])*)$", name)
        if not match:
            root[name] = value
            continue
        keys = [match.group(1), *re.findall(r"\[([^\]]*)\]", match.group(2))]
        node = root
        for i, key in enumerate(keys):
            last = i == len(keys) - 1
            if key == "":
                key = str(len(node))
            if last:
                node[key] = value
            else:
                child = node.get(key)
                if not isinstance(child, dict):
                    child = node[key] = {}
                node = child
    return root


def xmlize(value: Any) -> str:
    if isinstance(value, dict):
        keys = "".join(f'<KEY name="{k}">{xmlize(v)}</KEY>\n' for k, v in value.items())
        return f"<SINGLE>\n{keys}</SINGLE>\n"
    if isinstance(value, list):
        return "<MULTIPLE>\n" + "".join(xmlize(v) for v in value) + "</MULTIPLE>\n"
    if value is None:
        return '<VALUE null="null"/>\n'
    if isinstance(value, bool):
        value = int(value)
    return f"<VALUE>{xml_escape(str(value))}</VALUE>\n"


# --- the site's data ------------------------------------------------------------------


ADDNEWS = "mod/forum:addnews"
CREATEATTACHMENT = "mod/forum:createattachment"
EDITANYPOST = "mod/forum:editanypost"
ALL_CAPABILITIES = frozenset({ADDNEWS, CREATEATTACHMENT, EDITANYPOST})

#: The fields Moodle returns about a course to a user who cannot enter it
#: (``get_course_public_information``); the others (``format``, ``visible`` …) are missing.
PUBLIC_COURSE_FIELDS = (
    "id",
    "fullname",
    "displayname",
    "shortname",
    "categoryid",
    "categoryname",
    "summary",
    "summaryformat",
)


@dataclass
class Token:
    value: str
    functions: frozenset[str]
    uploadfiles: bool = True
    userid: int = 7
    #: Courses the service user is enrolled in; ``None``: every course.
    courses: frozenset[int] | None = None
    #: Its capabilities in those courses.
    capabilities: frozenset[str] = ALL_CAPABILITIES
    username: str = "rada-sekap-ws"

    def enrolled(self, course_id: int) -> bool:
        return self.courses is None or course_id in self.courses


@dataclass
class Recorded:
    method: str
    path: str
    fields: list[tuple[str, str]]
    params: dict[str, Any]
    function: str | None = None
    files: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    reply: Any = None


@dataclass
class Post:
    id: int
    discussion: int
    subject: str
    message: str
    attachments: list[dict[str, Any]]
    modified: int
    created: int = 0


@dataclass
class Discussion:
    id: int
    forum: int
    name: str
    firstpost: int
    modified: int


class FakeMoodle:
    """A Moodle site with one course, "Umowy SEKAP", and its news forum."""

    def __init__(self) -> None:
        self.tokens: dict[str, Token] = {}
        self.add_token(GOOD_TOKEN, FORUM_FUNCTIONS)
        self.courses = [
            {
                "id": 12,
                "fullname": "Umowy SEKAP",
                "displayname": "Umowy SEKAP",
                "shortname": "umowy-sekap",
                "categoryid": 1,
                "categoryname": "Kursy",
                "idnumber": "",
                "summary": "",
                "summaryformat": 1,
                "format": "topics",
                "visible": 1,
                "startdate": 1700000000,
                "enddate": 0,
            },
            {
                "id": 14,
                "fullname": "Próba wyborów",
                "displayname": "Próba wyborów",
                "shortname": "proba-wyborow",
                "categoryid": 1,
                "categoryname": "Kursy",
                "idnumber": "",
                "summary": "",
                "summaryformat": 1,
                "format": "topics",
                "visible": 1,
                "startdate": 1700000000,
                "enddate": 0,
            },
            {
                "id": 13,
                "fullname": "Kurs bez ogłoszeń",
                "displayname": "Kurs bez ogłoszeń",
                "shortname": "pusty",
                "categoryid": 1,
                "categoryname": "Kursy",
                "idnumber": "",
                "summary": "",
                "summaryformat": 1,
                "format": "topics",
                "visible": 1,
                "startdate": 1700000000,
                "enddate": 0,
            },
        ]
        self.forums = [
            self._forum(3, 12, "news", "Ogłoszenia", 45),
            self._forum(4, 12, "general", "Forum dyskusyjne", 46),
            self._forum(5, 13, "general", "Forum kursu", 47),
            self._forum(6, 14, "news", "Ogłoszenia", 48),
        ]
        self.discussions: dict[int, Discussion] = {}
        self.posts: dict[int, Post] = {}
        self.drafts: dict[tuple[int, int], list[dict[str, Any]]] = {}
        self.requests: list[Recorded] = []
        self.rest_enabled = True
        self.webservices_enabled = True
        self.impersonate_html = False
        #: Answer every request with a redirect to this base (an http→https site).
        self.redirect_to: str | None = None
        self.debugging = False
        self.max_upload = 2 * 1024 * 1024
        #: Seconds (of the fake's clock, one per change) a user may edit an own post
        #: without mod/forum:editanypost ($CFG->maxeditingtime, 30 min by default).
        self.maxeditingtime = 1800
        self.hang = False
        #: Hold only the calls of this function (until ``release()``).
        self.hang_on: str | None = None
        #: Set when a held request has arrived.
        self.arrived = threading.Event()
        self._released = threading.Event()
        self._ids = itertools.count(101)
        self._clock = itertools.count(1_767_000_000)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @staticmethod
    def _forum(id_: int, course: int, type_: str, name: str, cmid: int) -> dict[str, Any]:
        return {
            "id": id_,
            "course": course,
            "type": type_,
            "name": name,
            "intro": "",
            "introformat": 1,
            "duedate": 0,
            "cutoffdate": 0,
            "assessed": 0,
            "maxbytes": 0,
            "maxattachments": 1,
            "forcesubscribe": 1 if type_ == "news" else 0,
            "trackingtype": 1,
            "cmid": cmid,
            "cancreatediscussions": True,
            "istracked": False,
        }

    def add_token(
        self,
        value: str,
        functions: frozenset[str] | set[str] = FORUM_FUNCTIONS,
        *,
        uploadfiles: bool = True,
        courses: set[int] | None = None,
        capabilities: set[str] | frozenset[str] = ALL_CAPABILITIES,
    ) -> str:
        self.tokens[value] = Token(
            value,
            frozenset(functions),
            uploadfiles,
            courses=None if courses is None else frozenset(courses),
            capabilities=frozenset(capabilities),
        )
        return value

    def remove_news_forum(self) -> None:
        self.forums = [f for f in self.forums if f["type"] != "news"]

    # --- server lifecycle -------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        fake = self

        class Handler(_Handler):
            moodle = fake

        self._server = _Server(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        # A short poll: stop() (every test's teardown) waits for it.
        server = self._server
        self._thread = threading.Thread(
            target=lambda: server.serve_forever(poll_interval=0.05), daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Go down: connections to the port are refused until :meth:`start`."""
        self.release()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def release(self) -> None:
        """Let requests held by ``hang`` finish."""
        self._released.set()

    # --- what tests look at -----------------------------------------------------------

    def calls(self, function: str | None = None) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if function is None or r.function == function]

    def uploads(self) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.path.endswith("/webservice/upload.php")]

    def forum(self, forum_id: int) -> dict[str, Any]:
        return next(f for f in self.forums if f["id"] == forum_id)

    def discussions_in(self, forum_id: int = 3) -> list[Discussion]:
        return [d for d in self.discussions.values() if d.forum == forum_id]

    def first_post(self, discussion_id: int) -> Post:
        return self.posts[self.discussions[discussion_id].firstpost]

    # --- the web services -------------------------------------------------------------

    def _token(self, value: str | None) -> Token:
        token = self.tokens.get(value or "")
        if token is None:
            raise MoodleException(
                "moodle_exception", "invalidtoken", "Invalid token - token not found"
            )
        return token

    def rest(self, form: dict[str, Any], record: Recorded) -> Any:
        wstoken = form.pop("wstoken", None)
        token = self._token(wstoken if isinstance(wstoken, str) else None)
        form.pop("moodlewsrestformat", None)
        function = form.pop("wsfunction", None)
        record.function = function if isinstance(function, str) else None
        if function not in FUNCTIONS and function not in OTHER_FUNCTIONS:
            raise MoodleException(
                "dml_missing_record_exception",
                "invalidrecord",
                "Can't find data record in database table external_functions.",
            )
        if function not in token.functions:
            raise MoodleException(
                "webservice_access_exception", "accessexception", "Access control exception"
            )
        params = validate(FUNCTIONS[function], form, "")
        record.params = params
        return getattr(self, function)(token, **params)

    def core_webservice_get_site_info(self, token: Token, serviceshortnames: list[str]) -> Any:
        return {
            "sitename": "Platforma e-learningowa SEKAP",
            "username": token.username,
            "firstname": "Rada",
            "lastname": "SEKAP",
            "fullname": "Rada SEKAP",
            "lang": "pl",
            "userid": token.userid,
            "siteurl": self.url,
            "userpictureurl": f"{self.url}/theme/image.php/boost/core/1/u/f1",
            "functions": [{"name": f, "version": "2024042200"} for f in sorted(token.functions)],
            "downloadfiles": 1,
            "uploadfiles": int(token.uploadfiles),
            "release": "4.4.3 (Build: 20240916)",
            "version": "2024042203",
            "mobilecssurl": "",
            "advancedfeatures": [{"name": "usecomments", "value": 1}],
            "usercanmanageownfiles": True,
            "userquota": 0,
            "usermaxuploadfilesize": self.max_upload,
            "userhomepage": 1,
            "siteid": 1,
            "sitecalendartype": "gregorian",
            "usercalendartype": "gregorian",
            "theme": "boost",
        }

    def core_course_get_courses_by_field(self, token: Token, field: str, value: str) -> Any:
        if field not in ("", "id", "ids", "shortname", "idnumber", "category"):
            raise invalid_parameter("invalid field name")
        if field == "":
            courses = list(self.courses)
        elif field == "id":
            if not re.fullmatch(r"\d+", value):
                raise invalid_parameter(f"Invalid parameter value: {value}")
            courses = [c for c in self.courses if c["id"] == int(value)]
        elif field == "shortname":
            courses = [c for c in self.courses if c["shortname"] == value]
        else:
            courses = []
        return {
            "courses": [
                dict(c)
                if token.enrolled(c["id"])
                else {k: c[k] for k in PUBLIC_COURSE_FIELDS}
                | {"enrollmentmethods": ["manual"], "contacts": [], "overviewfiles": []}
                for c in courses
            ],
            "warnings": [],
        }

    def mod_forum_get_forums_by_courses(self, token: Token, courseids: list[int]) -> Any:
        # external_util::validate_courses drops, silently, the courses the user cannot enter.
        ids = set(courseids) or {c["id"] for c in self.courses}
        return [
            f | {"cancreatediscussions": f["type"] != "news" or ADDNEWS in token.capabilities}
            for f in self.forums
            if f["course"] in ids and token.enrolled(f["course"])
        ]

    @staticmethod
    def _require_login(token: Token, forum: dict[str, Any]) -> None:
        """``external_api::validate_context`` for a user not enrolled in the course."""
        if not token.enrolled(forum["course"]):
            raise MoodleException(
                "require_login_exception",
                "requireloginerror",
                "Course or activity not accessible. (Not enrolled)",
            )

    def _options(self, options: list[dict[str, str]], allowed: set[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for option in options:
            if option["name"] not in allowed:
                raise MoodleException(
                    "moodle_exception",
                    "errorinvalidparam",
                    f'The param "{option["name"]}" is invalid.',
                )
            found[option["name"]] = option["value"]
        return found

    def _draft_files(self, token: Token, itemid: str | None, forum: dict[str, Any]) -> list[Any]:
        if CREATEATTACHMENT not in token.capabilities:
            return []  # Moodle sets attachmentsid to 0 without the capability: no error
        if not itemid or not re.fullmatch(r"\d+", itemid):
            return []
        files = self.drafts.get((token.userid, int(itemid)), [])
        return [dict(f) for f in files[: forum["maxattachments"]]]

    def mod_forum_add_discussion(
        self,
        token: Token,
        forumid: int,
        subject: str,
        message: str,
        groupid: int,
        options: list[dict[str, str]],
    ) -> Any:
        forum = next((f for f in self.forums if f["id"] == forumid), None)
        if forum is None:
            raise MoodleException(
                "dml_missing_record_exception",
                "invalidrecord",
                "Can't find data record in database table forum.",
            )
        self._require_login(token, forum)
        opts = self._options(
            options,
            {"discussionsubscribe", "discussionpinned", "inlineattachmentsid", "attachmentsid"},
        )
        if forum["type"] == "news" and ADDNEWS not in token.capabilities:
            raise MoodleException(
                "moodle_exception", "cannotcreatediscussion", "Could not create new discussion"
            )
        with self._lock:
            discussion_id = next(self._ids)
            post_id = next(self._ids)
            now = next(self._clock)
            self.posts[post_id] = Post(
                post_id,
                discussion_id,
                subject,
                message,
                self._draft_files(token, opts.get("attachmentsid"), forum),
                now,
                created=now,
            )
            self.discussions[discussion_id] = Discussion(
                discussion_id, forumid, subject, post_id, now
            )
        return {"discussionid": discussion_id, "warnings": []}

    def _discussion_json(self, d: Discussion) -> dict[str, Any]:
        post = self.posts[d.firstpost]
        return {
            "id": post.id,
            "name": d.name,
            "groupid": -1,
            "timemodified": d.modified,
            "usermodified": 7,
            "timestart": 0,
            "timeend": 0,
            "discussion": d.id,
            "parent": 0,
            "userid": 7,
            "created": d.modified,
            "modified": post.modified,
            "mailed": 0,
            "subject": post.subject,
            "message": post.message,
            "messageformat": 1,
            "messagetrust": 0,
            "attachment": bool(post.attachments),
            "attachments": [
                {
                    "filename": f["filename"],
                    "filepath": "/",
                    "filesize": len(f["content"]),
                    "fileurl": (
                        f"{self.url}/webservice/pluginfile.php/1/mod_forum/attachment/"
                        f"{post.id}/{f['filename']}"
                    ),
                    "timemodified": post.modified,
                    "mimetype": f["mimetype"],
                    "isexternalfile": False,
                }
                for f in post.attachments
            ],
            "totalscore": 0,
            "mailnow": 0,
            "userfullname": "Rada SEKAP",
            "usermodifiedfullname": "Rada SEKAP",
            "userpictureurl": "",
            "usermodifiedpictureurl": "",
            "numreplies": 0,
            "numunread": 0,
            "pinned": False,
            "locked": False,
            "starred": False,
            "canreply": True,
            "canlock": False,
            "canfavourite": True,
        }

    def mod_forum_get_forum_discussions(
        self, token: Token, forumid: int, sortorder: int, page: int, perpage: int, groupid: int
    ) -> Any:
        if not any(f["id"] == forumid for f in self.forums):
            raise MoodleException(
                "dml_missing_record_exception",
                "invalidrecord",
                "Can't find data record in database table forum.",
            )
        self._require_login(token, self.forum(forumid))
        with self._lock:
            found = sorted(
                self.discussions_in(forumid), key=lambda d: (d.modified, d.id), reverse=True
            )
            if page >= 0 and perpage > 0:
                found = found[page * perpage : (page + 1) * perpage]
            return {"discussions": [self._discussion_json(d) for d in found], "warnings": []}

    def mod_forum_update_discussion_post(
        self,
        token: Token,
        postid: int,
        subject: str,
        message: str,
        messageformat: int,
        options: list[dict[str, str]],
    ) -> Any:
        post = self.posts.get(postid)
        if post is None:
            raise MoodleException(
                "moodle_exception", "invalidpostid", f"Invalid post ID - {postid}"
            )
        opts = self._options(
            options,
            {
                "pinned",
                "discussionsubscribe",
                "inlineattachmentsid",
                "attachmentsid",
                "topreferredformat",
            },
        )
        discussion = self.discussions[post.discussion]
        forum = next(f for f in self.forums if f["id"] == discussion.forum)
        self._require_login(token, forum)
        with self._lock:
            now = next(self._clock)
            # capability_manager::can_edit_post: an own post within the editing time,
            # any post with mod/forum:editanypost.
            if EDITANYPOST not in token.capabilities and now - post.created > self.maxeditingtime:
                raise MoodleException(
                    "moodle_exception", "cannotupdatepost", "You can not update this post"
                )
            if subject:
                post.subject = subject
                if discussion.firstpost == post.id:
                    discussion.name = subject
            if message:
                post.message = message
            if "attachmentsid" in opts:
                post.attachments = self._draft_files(token, opts["attachmentsid"], forum)
            post.modified = discussion.modified = now
        return {"status": True, "warnings": []}

    def token_php(self, fields: dict[str, str]) -> Any:
        """``login/token.php`` (Moodle 4.4): the web services switch is checked first."""
        if not self.webservices_enabled:
            return {
                "error": "Web services must be enabled in Advanced features.",
                "errorcode": "enablewsdescription",
                "stacktrace": None,
                "debuginfo": None,
                "reproductionlink": None,
            }
        if fields.get("appsitecheck") not in (None, "", "0"):
            return {"appsitecheck": "ok"}
        return {
            "error": "A required parameter (username) was missing",
            "errorcode": "missingparam",
            "stacktrace": None,
            "debuginfo": None,
            "reproductionlink": None,
        }

    def upload(self, fields: dict[str, str], files: list[dict[str, Any]]) -> Any:
        if not self.webservices_enabled:
            # webservice::authenticate_user: a webservice_access_exception, its detail
            # only in debuginfo.
            return {
                "error": "Access control exception",
                "errorcode": "accessexception",
                "stacktrace": None,
                "debuginfo": None,
                "reproductionlink": None,
            }
        token = self.tokens.get(fields.get("token", ""))
        if token is None:
            return {
                "error": "Invalid token - token not found",
                "errorcode": "invalidtoken",
                "stacktrace": None,
                "debuginfo": None,
                "reproductionlink": None,
            }
        if not token.uploadfiles:
            return {
                "error": "Access control exception (Web service file upload must be enabled in "
                "external service settings)",
                "errorcode": "accessexception",
                "stacktrace": None,
                "debuginfo": None,
                "reproductionlink": None,
            }
        if not files:
            return {
                "error": "No file uploaded",
                "errorcode": "nofile",
                "stacktrace": None,
                "debuginfo": None,
                "reproductionlink": None,
            }
        itemid = int(fields.get("itemid") or 0) or random.randint(100_000_000, 999_999_999)
        filepath = fields.get("filepath") or "/"
        reply: list[dict[str, Any]] = []
        with self._lock:
            draft = self.drafts.setdefault((token.userid, itemid), [])
            for f in files:
                if len(f["content"]) > self.max_upload:
                    reply.append(
                        {
                            "filename": f["filename"],
                            "errortype": "fileoversized",
                            "error": "The file is bigger than the maximum size allowed.",
                        }
                    )
                    continue
                draft.append(f)
                reply.append(
                    {
                        "component": "user",
                        "contextid": 567,
                        "userid": str(token.userid),
                        "filearea": "draft",
                        "filename": f["filename"],
                        "filepath": filepath,
                        "itemid": itemid,
                        "license": "allrightsreserved",
                        "author": "Rada SEKAP",
                        "source": "",
                    }
                )
        return reply


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (timeout) closes its end: not worth a traceback.
        return


class _Handler(BaseHTTPRequestHandler):
    moodle: FakeMoodle

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _send(self, status: int, body: bytes, content_type: str | None) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _read(self) -> tuple[list[tuple[str, str]], list[dict[str, Any]]]:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        content_type = self.headers.get("Content-Type", "")
        query = parse_qsl(urlsplit(self.path).query, keep_blank_values=True)
        if content_type.startswith("multipart/form-data"):
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                f"Content-Type: {content_type}\r\n\r\n".encode() + body
            )
            fields: list[tuple[str, str]] = list(query)
            files: list[dict[str, Any]] = []
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                filename = part.get_filename()
                data = part.get_payload(decode=True) or b""
                if filename:
                    files.append(
                        {
                            "field": name,
                            "filename": filename,
                            "mimetype": part.get_content_type(),
                            "content": data,
                        }
                    )
                else:
                    fields.append((str(name), data.decode("utf-8")))
            return fields, files
        return query + parse_qsl(body.decode("utf-8"), keep_blank_values=True), []

    def _handle(self) -> None:
        fake = self.moodle
        path = urlsplit(self.path).path
        fields, files = self._read()
        record = Recorded(self.command, path, fields, {}, files=files)
        with fake._lock:
            fake.requests.append(record)
        function = dict(fields).get("wsfunction")
        if fake.hang or (fake.hang_on is not None and fake.hang_on == function):
            fake.arrived.set()
            fake._released.wait(30)
        if fake.redirect_to:
            record.status = 301
            self.send_response(301)
            self.send_header("Location", fake.redirect_to + path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if fake.impersonate_html:
            record.status = 200
            self._send(200, b"<!doctype html><title>Intranet</title><p>Witaj</p>", "text/html")
            return
        if path == "/webservice/rest/server.php":
            # webservice_protocol_is_enabled('rest') is false in both cases.
            if not fake.rest_enabled or not fake.webservices_enabled:
                record.status = 403
                self._send(HTTPStatus.FORBIDDEN, b"", None)
                return
            form = php_parse(fields)
            as_json = form.get("moodlewsrestformat") == "json"
            try:
                reply = fake.rest(form, record)
            except MoodleException as exc:
                error = {
                    "exception": exc.exception,
                    "errorcode": exc.errorcode,
                    "message": exc.message,
                }
                if fake.debugging and exc.debuginfo:
                    error["debuginfo"] = exc.debuginfo
                record.reply = error
                if as_json:
                    self._send(200, json.dumps(error).encode(), "application/json")
                else:
                    xml = (
                        '<?xml version="1.0" encoding="UTF-8" ?>\n'
                        f'<EXCEPTION class="{exc.exception}">\n'
                        f"<ERRORCODE>{exc.errorcode}</ERRORCODE>\n"
                        f"<MESSAGE>{xml_escape(exc.message)}</MESSAGE>\n</EXCEPTION>\n"
                    )
                    self._send(200, xml.encode(), "application/xml; charset=utf-8")
                return
            record.reply = reply
            if as_json:
                self._send(200, json.dumps(reply).encode(), "application/json")
            else:
                xml = (
                    '<?xml version="1.0" encoding="UTF-8" ?>\n'
                    f"<RESPONSE>\n{xmlize(reply)}</RESPONSE>\n"
                )
                self._send(200, xml.encode(), "application/xml; charset=utf-8")
            return
        if path == "/login/token.php":
            reply = fake.token_php(dict(fields))
            record.reply = reply
            self._send(200, json.dumps(reply).encode(), "application/json; charset=utf-8")
            return
        if path == "/webservice/upload.php":
            reply = fake.upload(dict(fields), files)
            record.reply = reply
            self._send(200, json.dumps(reply).encode(), "text/plain; charset=utf-8")
            return
        record.status = 404
        self._send(404, b"<h1>Not found</h1>", "text/html")


def flask_process_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a real ``flask lms …`` process run by a test (the worker under
    systemd, a cron job): the test's database, Polish, nothing of the developer's LMS."""
    root = Path(__file__).resolve().parent.parent.parent
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("LMS_", "LC_", "LANG", "SERVER_BASE_URL"))
    }
    return {
        **env,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "flask-process-test-secret",
        "TOTP_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "FLASK_APP": "election",
        "PYTHONPATH": str(root),
        "LANG": "pl_PL.UTF-8",
        **extra,
    }
