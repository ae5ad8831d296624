"""The web app: server-rendered pages, their JSON twins and the ingest endpoint, over one database.

Every HTML page has a JSON twin at the same path with ``.json`` appended; the JSON routes and
``POST /api/articles`` are described in ``/openapi.json``. Pages contain no script: the Content
Security Policy forbids all scripts, so text that slipped past escaping still could not run.
"""

from __future__ import annotations

import dataclasses
import hmac
import json
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import anyio.to_thread
import jinja2
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from storyline import __version__
from storyline.config import Config
from storyline.errors import BuiltWithOtherModelsError, NotFoundError, StoreError
from storyline.fingerprint.embed import Encoder
from storyline.text import paragraphs
from storyline.types import RELATION_LABEL, Rejected, Topic
from storyline.web.body import UnsupportedMediaType, parse_body
from storyline.web.pages import (
    PAGE_SIZE,
    ArticlePage,
    BadRequest,
    IngestResult,
    Reader,
    StoryList,
    StoryPage,
    TopicList,
    daily_series,
    lead_title,
    make_filters,
    member_label,
    relation_badges,
)
from storyline.web.svg import coverage_chart, daily_chart, provenance_graph, sparkline

DEFAULT_MAX_BODY = 10 * 1024 * 1024
MEMBERS_PER_PAGE = 50
REJECTS_SHOWN = 500
# Page numbers above this are refused (400): offsets must fit in SQLite's 64-bit integers.
MAX_PAGE = 1_000_000
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)


class ApiError(Exception):
    """An error answered with a status code and a one-line message."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class SecurityHeaders:
    """Adds the Content Security Policy and friends to every response (plain ASGI: no per-request task)."""

    HEADERS = (
        (b"content-security-policy", CSP.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
    )

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to the response."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.HEADERS if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _is_api(request: Request) -> bool:
    path = request.url.path
    if path.startswith("/api/") or path.endswith((".json", "/raw")) or path == "/healthz":
        return True
    accept = request.headers.get("accept", "")
    return "text/html" not in accept and "*/*" not in accept and bool(accept)


def _jsonable(obj: Any) -> Any:
    return dataclasses.asdict(obj) if dataclasses.is_dataclass(obj) and not isinstance(obj, type) else obj


def human_date(value: str | None) -> str:
    """``2024-03-04`` -> ``4 Mar 2024``; other values as given, None as empty."""
    if not value:
        return ""
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    try:
        y, m, d = value[:10].split("-")
        return f"{int(d)} {months[int(m) - 1]} {y}"
    except (ValueError, IndexError):
        return value


@jinja2.pass_context
def _title_of(context: Any, m: Any) -> str:
    """A member's title; else the opening words of its text (``leads`` in the page); else its label."""
    if m.title:
        return str(m.title)
    lead = context.get("leads", {}).get(m.id)
    return str(lead) if lead else member_label(m)


def _templates() -> jinja2.Environment:
    folder = resources.files("storyline.web") / "templates"
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        autoescape=True,  # article text, titles and names are untrusted: always escaped
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["human_date"] = human_date
    env.filters["kind_label"] = lambda k: RELATION_LABEL.get(k or "", k or "")
    env.filters["label"] = member_label
    env.filters["title_of"] = _title_of
    env.filters["paragraphs"] = paragraphs
    env.filters["capitalize_first"] = lambda s: (s[:1].upper() + s[1:]) if s else ""
    env.globals["version"] = __version__
    return env


def create_app(
    db: str | Path,
    config: Config | None = None,
    *,
    token: str | None = None,
    max_body: int = DEFAULT_MAX_BODY,
    readonly: bool = False,
    encoder: Encoder | None = None,
    threads: int = 8,
) -> FastAPI:
    """The ASGI app over one database.

    Args:
        db: the database file.
        config: settings (record field names and pipeline settings for HTTP ingest).
        token: when set, ``POST /api/articles`` needs ``Authorization: Bearer <token>``.
        max_body: largest accepted request body in bytes (413 above it).
        readonly: open the database read-only; ingest over HTTP is refused.
        encoder: the embedding model for HTTP ingest (from `config` when None).
        threads: worker threads for requests (each keeps one read connection).
    """
    reader = Reader(str(db), config, readonly=readonly, encoder=encoder)
    env = _templates()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Each worker thread holds its own SQLite connection and page cache: a few warm ones
        # serve better than anyio's default of 40 cold ones.
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        yield
        reader.close()

    app = FastAPI(
        lifespan=lifespan,
        title="storyline",
        version=__version__,
        summary="News articles grouped into stories, with named duplicates and their originals.",
        docs_url=None,  # the interactive docs load scripts from a CDN; /api lists the routes instead
        redoc_url=None,
    )
    app.state.reader = reader
    static = resources.files("storyline.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    app.add_middleware(SecurityHeaders)

    # -- errors: JSON on API routes, a readable page on HTML routes --------------------------

    def error_response(
        request: Request, status: int, message: str, headers: dict[str, str] | None = None
    ) -> Response:
        if _is_api(request):
            return JSONResponse({"error": {"status": status, "message": message}}, status, headers=headers)
        html = env.get_template("error.html").render(
            status=status, message=message, base=_base(request), json_url=None
        )
        return HTMLResponse(html, status, headers=headers)

    @app.exception_handler(ApiError)
    async def on_api_error(request: Request, exc: ApiError) -> Response:
        return error_response(request, exc.status, exc.message, exc.headers)

    @app.exception_handler(NotFoundError)
    async def on_not_found(request: Request, exc: NotFoundError) -> Response:
        return error_response(request, 404, str(exc))

    @app.exception_handler(UnsupportedMediaType)
    async def on_media_type(request: Request, exc: UnsupportedMediaType) -> Response:
        return error_response(request, 415, str(exc))

    @app.exception_handler(BadRequest)
    async def on_bad_request(request: Request, exc: BadRequest) -> Response:
        return error_response(request, 400, str(exc))

    @app.exception_handler(BuiltWithOtherModelsError)
    async def on_other_models(request: Request, exc: BuiltWithOtherModelsError) -> Response:
        return error_response(request, 409, str(exc))

    @app.exception_handler(StoreError)
    async def on_store_error(request: Request, exc: StoreError) -> Response:
        return error_response(request, 503, f"database unavailable: {exc}")

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> Response:
        parts = []
        for e in exc.errors():
            where = ".".join(str(x) for x in e.get("loc", ()) if x not in ("query", "path", "body"))
            parts.append(f"{where}: {e.get('msg', 'invalid')}" if where else str(e.get("msg", "invalid")))
        return error_response(request, 400, "; ".join(parts) or "invalid request")

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "error"
        if exc.status_code == 404 and message == "Not Found":
            message = f"no page at {request.url.path}"
        return error_response(request, exc.status_code, message, getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def on_error(request: Request, exc: Exception) -> Response:
        return error_response(request, 500, f"internal error: {type(exc).__name__}")

    def _base(request: Request) -> str:
        return str(request.scope.get("root_path", "")).rstrip("/")

    def render(request: Request, name: str, json_url: str | None, **context: Any) -> HTMLResponse:
        base = _base(request)

        def qs(params: dict[str, Any], **changes: Any) -> str:
            merged = {**params, **changes}
            clean = {
                k: v
                for k, v in merged.items()
                if v not in (None, "") and not (k in ("page", "members") and v == 1)
            }
            return "?" + urlencode(clean) if clean else ""

        html = env.get_template(name).render(
            base=base,
            json_url=(base + json_url) if json_url else None,
            qs=qs,
            request_path=request.url.path,
            **context,
        )
        return HTMLResponse(html)

    def spark(activity: Any, width: int = 120, height: int = 28) -> Any:
        counts = daily_series(activity)
        total = sum(d.articles for d in activity)
        if not activity:
            label = "no dated articles"
        else:
            label = f"{total} dated articles, {human_date(activity[0].day)} to {human_date(activity[-1].day)}"
        return sparkline(counts, label, width, height)

    env.globals["spark"] = spark

    # -- health ------------------------------------------------------------------------------

    @app.get("/healthz", tags=["meta"], summary="Liveness and database summary")
    def healthz() -> dict[str, Any]:
        return {"status": "ok", "stories": reader.store.count_stories(), "writable": reader.writable}

    # -- the story list ----------------------------------------------------------------------

    def story_list(
        page: int, limit: int, q: str | None, language: str | None, source: str | None,
        entity: str | None, since: str | None, until: str | None, order: str | None,
        topic: str | None = None,
    ) -> StoryList:  # fmt: skip
        filters = make_filters(q, language, source, entity, since, until, order, topic)
        if filters.topic:  # an id prefix is accepted, the full id kept in the filters
            filters = dataclasses.replace(filters, topic=reader.store.resolve_topic(filters.topic))
        return reader.stories(filters, page=page, limit=limit)

    q_param = Query(None, description="Full-text search over titles and texts (FTS5 syntax, or plain words).")
    lang_param = Query(None, description="Only stories with an article in this language (ISO 639-1).")
    source_param = Query(None, description="Only stories with an article from this publisher.")
    entity_param = Query(None, description="Only stories naming this person, place or organisation.")
    since_param = Query(None, description="Only stories with a report on or after this date (YYYY-MM-DD).")
    until_param = Query(None, description="Only stories with a report on or before this date (YYYY-MM-DD).")
    order_param = Query(None, description="recent (default) or size.")
    topic_param = Query(None, description="Only the stories of this topic (id or unique prefix).")

    @app.get("/stories.json", response_model=StoryList, tags=["stories"], summary="The story list")
    def stories_json(
        page: int = Query(1, ge=1, le=MAX_PAGE), limit: int = Query(PAGE_SIZE, ge=1, le=200),
        q: str | None = q_param, language: str | None = lang_param, source: str | None = source_param,
        entity: str | None = entity_param, since: str | None = since_param, until: str | None = until_param,
        order: str | None = order_param, topic: str | None = topic_param,
    ) -> Response:  # fmt: skip
        data = story_list(page, limit, q, language, source, entity, since, until, order, topic)
        return JSONResponse(_jsonable(data))

    @app.get("/", include_in_schema=False)
    def home(request: Request) -> Response:
        return RedirectResponse(f"{_base(request)}/stories", status_code=307)

    @app.get("/stories", include_in_schema=False, response_class=HTMLResponse)
    def stories_html(
        request: Request,
        page: int = Query(1, ge=1, le=MAX_PAGE), limit: int = Query(PAGE_SIZE, ge=1, le=200),
        q: str | None = None, language: str | None = None, source: str | None = None,
        entity: str | None = None, since: str | None = None, until: str | None = None,
        order: str | None = None, topic: str | None = None,
    ) -> Response:  # fmt: skip
        data = story_list(page, limit, q, language, source, entity, since, until, order, topic)
        params: dict[str, Any] = data.filters.params()
        if limit != PAGE_SIZE:
            params["limit"] = limit
        twin = {**params, **({"page": page} if page > 1 else {})}
        json_url = "/stories.json" + ("?" + urlencode(twin) if twin else "")
        return render(
            request,
            "stories.html",
            json_url,
            page=data,
            f=data.filters,
            params=params,
            facets=reader.facets(),
            topic=reader.topic(data.filters.topic) if data.filters.topic else None,
        )

    # -- one story ---------------------------------------------------------------------------

    @app.get("/stories/{story_id}.json", response_model=StoryPage, tags=["stories"], summary="One story")
    def story_json(story_id: str) -> Response:
        return JSONResponse(_jsonable(reader.story(story_id)))

    @app.get("/stories/{story_id}", include_in_schema=False, response_class=HTMLResponse)
    def story_html(request: Request, story_id: str, members: int = Query(1, ge=1, le=MAX_PAGE)) -> Response:
        data = reader.story(story_id)
        story = data.story
        if story.info.id != story_id:  # an id prefix: show the page at its full address
            return RedirectResponse(f"{_base(request)}/stories/{story.info.id}", status_code=307)
        by_id = {m.id: m for m in story.members}
        pages = max(1, math.ceil(len(story.members) / MEMBERS_PER_PAGE))
        mpage = min(members, pages)
        shown = story.members[(mpage - 1) * MEMBERS_PER_PAGE : mpage * MEMBERS_PER_PAGE]
        graph = provenance_graph(
            by_id, data.relations, lambda i: f"{_base(request)}/articles/{i}", titles=data.leads
        )
        copies_of: dict[str, int] = {}
        for r in data.relations:
            copies_of[r.original] = copies_of.get(r.original, 0) + 1
        return render(
            request,
            "story.html",
            f"/stories/{story.info.id}.json",
            page=data,
            story=story,
            by_id=by_id,
            badges=relation_badges(story.members, data.relations),
            copies_of=copies_of,
            shown=shown,
            mpage=mpage,
            mpages=pages,
            per_page=MEMBERS_PER_PAGE,
            graph=graph,
            coverage=coverage_chart(data.sources),
            by_language=daily_chart(story.members, lambda m: m.language or "unknown", "language"),
            by_source=daily_chart(story.members, member_label, "source"),
            first_reports=sorted(
                data.sources,
                key=lambda r: (r.first_report is None, r.first_report or "", r.publisher.casefold()),
            ),
            leads=data.leads,
        )

    # -- one article -------------------------------------------------------------------------

    @app.get(
        "/articles/{article_id}.json", response_model=ArticlePage, tags=["articles"], summary="One article"
    )
    def article_json(article_id: str) -> Response:
        return JSONResponse(_jsonable(reader.article(article_id)))

    @app.get(
        "/articles/{article_id}/raw",
        tags=["articles"],
        summary="The raw input of an article, as read (text/plain)",
        response_class=PlainTextResponse,
    )
    def article_raw(article_id: str) -> Response:
        raw = reader.raw(article_id)
        return PlainTextResponse(raw.content, headers={"Content-Disposition": "inline"})

    @app.get("/articles/{article_id}", include_in_schema=False, response_class=HTMLResponse)
    def article_html(request: Request, article_id: str) -> Response:
        data = reader.article(article_id)
        if data.article.id != article_id:
            return RedirectResponse(f"{_base(request)}/articles/{data.article.id}", status_code=307)
        a = data.article
        return render(
            request,
            "article.html",
            f"/articles/{a.id}.json",
            page=data,
            a=a,
            stand_in=lead_title(a.text),
            leads=data.leads,
        )

    # -- topics ------------------------------------------------------------------------------

    @app.get("/topics.json", response_model=TopicList, tags=["topics"], summary="The topic list")
    def topics_json(
        page: int = Query(1, ge=1, le=MAX_PAGE),
        limit: int = Query(PAGE_SIZE, ge=1, le=200),
        order: str | None = order_param,
    ) -> Response:
        return JSONResponse(_jsonable(reader.topics(page, limit, order)))

    @app.get("/topics", include_in_schema=False, response_class=HTMLResponse)
    def topics_html(
        request: Request, page: int = Query(1, ge=1, le=MAX_PAGE), limit: int = Query(PAGE_SIZE, ge=1, le=200),
        order: str | None = None,
    ) -> Response:  # fmt: skip
        data = reader.topics(page, limit, order)
        params: dict[str, Any] = {"order": data.order} if data.order != "recent" else {}
        if limit != PAGE_SIZE:
            params["limit"] = limit
        twin = {**params, **({"page": page} if page > 1 else {})}
        return render(
            request, "topics.html", "/topics.json" + ("?" + urlencode(twin) if twin else ""),
            page=data, params=params,
        )  # fmt: skip

    @app.get("/topics/{topic_id}.json", response_model=Topic, tags=["topics"], summary="One topic")
    def topic_json(topic_id: str) -> Response:
        return JSONResponse(_jsonable(reader.topic(topic_id)))

    @app.get("/topics/{topic_id}", include_in_schema=False, response_class=HTMLResponse)
    def topic_html(request: Request, topic_id: str) -> Response:
        data = reader.topic(topic_id)
        if data.info.id != topic_id:  # an id prefix: show the page at its full address
            return RedirectResponse(f"{_base(request)}/topics/{data.info.id}", status_code=307)
        return render(request, "topic.html", f"/topics/{data.info.id}.json", topic=data)

    # -- rejects -----------------------------------------------------------------------------

    @app.get(
        "/rejects.json", response_model=list[Rejected], tags=["meta"], summary="Inputs that could not be used"
    )
    def rejects_json() -> Response:
        return JSONResponse([dataclasses.asdict(r) for r in reader.rejects()])

    @app.get("/rejects", include_in_schema=False, response_class=HTMLResponse)
    def rejects_html(request: Request) -> Response:
        rs = reader.rejects()
        return render(request, "rejects.html", "/rejects.json", rejects=rs[:REJECTS_SHOWN], total=len(rs))

    # -- ingest ------------------------------------------------------------------------------

    def check_token(request: Request) -> None:
        if token is None:
            return
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() != "bearer" or not given:
            raise ApiError(
                401,
                "writes need a token: send 'Authorization: Bearer <token>'",
                {"WWW-Authenticate": "Bearer"},
            )
        if not hmac.compare_digest(given.strip().encode(), token.encode()):
            raise ApiError(403, "wrong token", {"WWW-Authenticate": 'Bearer error="invalid_token"'})

    async def read_body(request: Request) -> bytes:
        length = request.headers.get("content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                raise ApiError(400, f"bad Content-Length {length!r}") from None
            if declared > max_body:
                raise ApiError(413, f"body of {declared} bytes is larger than the limit of {max_body} bytes")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_body:
                raise ApiError(413, f"body is larger than the limit of {max_body} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    @app.post(
        "/api/articles",
        response_model=IngestResult,
        tags=["articles"],
        summary="Ingest articles",
        description=(
            'The body is one JSON object, an array of objects (or `{"articles": [...]}`), or JSON Lines '
            "(`application/x-ndjson`). Fields are found by name as in file ingest: `text` (or `html`), "
            "`title`, `date`, `url`, `source`/`publisher`, `language`, `author`, `id`. Returns the ingest "
            "report and, per record, the id of its article and its story (null when rejected). "
            "Needs `Authorization: Bearer <token>` when the server was given a token."
        ),
        responses={
            400: {"description": "Malformed body"},
            401: {"description": "Token missing"},
            403: {"description": "Wrong token, or read-only server"},
            413: {"description": "Body too large"},
            415: {"description": "Neither JSON nor JSON Lines"},
        },
    )
    async def post_articles(
        request: Request,
        source: str = Query(
            "api", max_length=200, description="Name of the feed, kept as the articles' source."
        ),
    ) -> Response:
        check_token(request)
        if not reader.writable:
            raise ApiError(403, "this server is read-only (started with --read-only)")
        records = parse_body(await read_body(request), request.headers.get("content-type"))
        result = await run_in_threadpool(reader.ingest, records, source)
        return JSONResponse(_jsonable(result))

    # -- API overview ------------------------------------------------------------------------

    @app.get("/api", include_in_schema=False, response_class=HTMLResponse)
    def api_html(request: Request) -> Response:
        spec = app.openapi()
        routes = []
        for path, ops in spec.get("paths", {}).items():
            for method, op in ops.items():
                routes.append({"method": method.upper(), "path": path, "summary": op.get("summary", "")})
        example = json.dumps(
            {"id": "feed-123", "title": "...", "text": "...", "date": "2024-03-04", "source": "Example News"}
        )
        return render(
            request, "api.html", "/openapi.json", routes=routes, example=example, token=token is not None
        )

    return app
