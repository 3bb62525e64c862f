"""The attachments item: what an evidence upload costs, reading a file's text, and searching files.

On a copy of the demo database (PostgreSQL) and a SQLite copy of it (bench/search.py's copy,
migrated by Alembic, every row and search entry carried over):
- uploads as a request makes them: `services.attach` of a FileStorage over the bytes, then the
  commit, by the demo's Alex Morgan on a section of his first partnership, for a 100 KB text
  file, a 5 MB and a 20 MB PDF (10 and 40 pages of text, each with a scanned page's weight of
  noise), into the filesystem store and into an S3 bucket served by moto (`python -m
  moto.server`, a subprocess). Median and p95 of BENCH_ATTACH_REPEAT (20) each, timed alternately
  with the baseline: the same bytes read in the same chunks, hashed and written to one file,
  fsynced (as the filesystem store syncs its copy). The bench app queues jobs (JOBS_IMMEDIATE is
  off, as in production), so the commit only puts the text job on the queue: no text is read
  inside an upload's time. Every upload's bytes differ (a last line, or a comment after the
  PDF's end), so none finds its content already stored; each stored object is deleted once
  timed, so the disk and moto's memory do not fill;
- `extraction.extract_text` (a limited child process each) of a one-line text file (what
  starting the child costs), a 10-page and a 100-page text PDF and a 50-page Word document:
  median of BENCH_EXTRACT_REPEAT (3), and the characters read;
- `search()` by the same member, as bench/search.py times it, for the demo's own words before and
  after 50 text files of varied content (2 to 40 KB) are attached to the partnership's sections
  and read by the text job (`text.read_text`, timed, two at a time as the worker's two job
  processes run them), and for a word only five of those files hold; BENCH_ATTACH_SEARCHES (200)
  of each, p50 and p99. PostgreSQL's statistics are brought up to date (ANALYZE) before each
  set, as autovacuum would be soon after. The files are attached and read on PostgreSQL; the
  SQLite database is copied from it again afterwards (its FTS5 table filled by the triggers).
"""

import contextlib
import functools
import gc
import hashlib
import io
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from bench.common import DEMO_EMAIL, ROOT, WORK_DIR, Figure, Row, demo_database, log, make_app, median_seconds
from bench.search import P50_LIMIT_MS, _copy_to_sqlite

ITEM = "attachments"
MB = 1024 * 1024
FILES = 50  # text files attached for the search figures
JOB_PROCESSES = 2  # their text jobs run two at a time, as `ermp worker --workers 2` runs them
RARE = "fenwickite"  # the word only some of those files hold: the demo has it nowhere
DEMO_QUERIES = ("cost", "alliance manager", "carrier performance")
BUCKET = "jointly-bench"
_WORDS = (
    "carrier lane freight invoice tariff route depot pallet shipment customs broker warehouse dock schedule "
    "delivery volume forecast capacity driver trailer fuel surcharge rebate audit clause schedule milestone "
    "agreement partner contract renewal notice penalty credit gain share saving baseline quarter review "
    "steering committee escalation owner action measure target variance actual report evidence minutes "
    "signature annex appendix inspection certificate insurance liability indemnity warranty incident "
    "claim dispute mediation budget spend cost rate price index inflation currency payment term plant "
    "supplier inventory stock order backlog lead time service level exception reason analysis trend "
    "the of and to in for on with by at from as is are was be this that which each every per under"
)
VOCABULARY = _WORDS.split()


# -- the files ---------------------------------------------------------------------------------


def _prose(rng: random.Random, characters: int, extra: tuple[str, ...] = ()) -> str:
    """Sentences of the vocabulary (and `extra` words, now and then) until `characters` long."""
    words = [*VOCABULARY, *extra]
    sentences, size = [], 0
    while size < characters:
        sentence = " ".join(rng.choice(words) for _ in range(rng.randint(8, 18))).capitalize() + "."
        sentences.append(sentence)
        size += len(sentence) + 1
    return " ".join(sentences)


def _lines(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return [*lines, line] if line else lines


def text_file(size: int, seed: int, extra: tuple[str, ...] = ()) -> bytes:
    rng = random.Random(seed)  # noqa: S311 - generated prose, not secrets
    return ("\n".join(_lines(_prose(rng, size, extra), 90)) + "\n").encode()[:size]


def pdf(pages: int, seed: int, image_bytes: int = 0) -> bytes:
    """A PDF of `pages` A4 pages of prose in Helvetica (40 lines, about 3,200 characters each);
    with `image_bytes`, each page also holds a grey image of that many bytes of noise, the weight
    of a scanned page (noise does not compress)."""
    rng = random.Random(seed)  # noqa: S311 - generated prose and noise, not secrets
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog, tree = add(b""), add(b"")  # written once the pages are known
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    kids = []
    for _ in range(pages):
        lines = _lines(_prose(rng, 3300), 80)[:40]
        content = b"BT /F1 10 Tf 12 TL 50 800 Td " + b" ".join(b"(%s) '" % line.encode() for line in lines) + b" ET"
        resources = b"/Font << /F1 %d 0 R >>" % font
        if image_bytes:
            width = 1000
            height = max(1, image_bytes // width)
            image = add(b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
                        b"/BitsPerComponent 8 /Length %d >>\nstream\n%s\nendstream"
                        % (width, height, width * height, rng.randbytes(width * height)))
            resources += b" /XObject << /Im1 %d 0 R >>" % image
            content = b"q 495 0 0 250 50 40 cm /Im1 Do Q " + content
        stream = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << %s >> "
                        b"/Contents %d 0 R >>" % (tree, resources, stream)))
    objects[tree - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), pages)
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % tree
    out, offsets = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, catalog, xref)
    return bytes(out)


def sized_pdf(size: int, pages: int, seed: int) -> bytes:
    """A PDF of `pages` text-and-scan pages, `size` bytes give or take a few KB."""
    text_only = len(pdf(pages, seed))
    return pdf(pages, seed, image_bytes=(size - text_only) // pages - 200)


def docx_file(pages: int, seed: int) -> bytes:
    """A Word document of `pages` pages: a heading and about 3,200 characters of prose each, a page
    break between them."""
    import docx

    rng = random.Random(seed)  # noqa: S311 - generated prose, not secrets
    document = docx.Document()
    for number in range(pages):
        document.add_heading(f"Part {number + 1}", 2)
        for _ in range(4):
            document.add_paragraph(_prose(rng, 800))
        if number < pages - 1:
            document.add_page_break()
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _size(data: bytes) -> str:
    return f"{len(data):,} bytes" if len(data) < 1024 else f"{len(data) / 1024:,.0f} KB"


def _page_count(data: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


# -- S3 served by moto -------------------------------------------------------------------------


@contextlib.contextmanager
def moto_s3():
    """moto's S3 server on a free loopback port (tests/support/s3.py's way) with one bucket;
    yields the app settings that use it."""
    from botocore.exceptions import BotoCoreError

    from tests.support.mail import free_port
    from tests.support.s3 import KEY_ID, REGION, SECRET, s3_client

    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    with open(os.path.join(WORK_DIR, "moto.log"), "wb") as output:
        process = subprocess.Popen(  # noqa: S603 - moto's server, on loopback
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            cwd=ROOT, stdout=output, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                s3_client(endpoint).create_bucket(Bucket=BUCKET)
                break
            except BotoCoreError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto's S3 server did not start (see {output.name})") from None
                time.sleep(0.2)
        yield {"S3_BUCKET": BUCKET, "S3_ENDPOINT_URL": endpoint, "S3_ACCESS_KEY_ID": KEY_ID,
               "S3_SECRET_ACCESS_KEY": SECRET, "S3_REGION": REGION}
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


# -- uploads -----------------------------------------------------------------------------------


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _member(app) -> tuple[int, int]:
    """The demo member's id and his first partnership's."""
    from app.accounts.models import User
    from app.extensions import db
    from app.partnerships.models import Membership

    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.email == DEMO_EMAIL))
        partnership_id = db.session.scalar(sa.select(sa.func.min(Membership.partnership_id))
                                           .where(Membership.user_id == user_id))
        db.session.remove()
    return user_id, partnership_id


@functools.cache
def _s3(endpoint: str):
    from tests.support.s3 import s3_client

    return s3_client(endpoint)


def _forget(app, key: str) -> None:
    """Delete a stored object behind the app's back (its stores offer no delete: evidence stays)."""
    from app.storage import OBJECTS_FOLDER

    if app.config.get("S3_BUCKET"):
        _s3(app.config["S3_ENDPOINT_URL"]).delete_object(Bucket=app.config["S3_BUCKET"], Key=key)
    else:
        os.remove(os.path.join(app.config["STORAGE_DIR"], OBJECTS_FOLDER, *key.split("/")))


def _attach(app, user_id: int, partnership_id: int, section_key: str, name: str, data: bytes,
            forget: bool = False) -> tuple[float, int]:
    """Attach `data` as a request does; the seconds `attach` and the commit took, and the version's
    id. With `forget`, the stored object is deleted afterwards (not timed)."""
    from app.accounts.models import User
    from app.attachments import places, services
    from app.extensions import db
    from app.partnerships.access import load_membership

    with app.app_context():
        membership = load_membership(partnership_id, db.session.get(User, user_id))
        upload = FileStorage(io.BytesIO(data), filename=name)
        gc.disable()  # no collection inside the time (a full one costs this process ~0.2 s)
        try:
            started = time.perf_counter()
            version = services.attach(membership, places.section_target(section_key), upload)
            db.session.commit()
            seconds = time.perf_counter() - started
        finally:
            gc.enable()
        version_id, key = version.id, version.storage_key
        db.session.remove()
    if forget:
        _forget(app, key)
    return seconds, version_id


def _write_and_hash(data: bytes) -> float:
    """The baseline: the bytes read in the upload's chunks, hashed and written to a file, fsynced."""
    stream = io.BytesIO(data)
    gc.disable()
    try:
        started = time.perf_counter()
        digest = hashlib.sha256()
        fd, path = tempfile.mkstemp(dir=WORK_DIR, suffix=".part")
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(256 * 1024):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        digest.hexdigest()
        seconds = time.perf_counter() - started
    finally:
        gc.enable()
    os.unlink(path)
    return seconds


def _unique(data: bytes, kind: str, number: int) -> bytes:
    """The file made different from every other upload's: a last line, or a comment after a PDF's end."""
    return data + (f"Upload {number}.\n" if kind == "text" else f"%upload {number}\n").encode()


def upload_rows(app, label: str, store: str, files: list[tuple[str, str, str, bytes]], repeat: int) -> list:
    """Each file uploaded `repeat` times (after two warm-ups), alternately with the baseline."""
    user_id, partnership_id = _member(app)
    counter = iter(range(10**9))
    times = {name: ([], []) for name, _, _, _ in files}
    for round_number in range(repeat + 2):
        steps = [(name, kind, data, base) for name, kind, _, data in files for base in (False, True)]
        if round_number % 2:
            steps.reverse()
        for name, kind, data, base in steps:
            number = next(counter)
            unique = _unique(data, kind, number)
            if base:
                seconds = _write_and_hash(unique)
            else:
                file_name = f"{name} {number}.{'txt' if kind == 'text' else 'pdf'}"
                seconds = _attach(app, user_id, partnership_id, "commercial_agreement", file_name, unique,
                                  forget=True)[0]
            if round_number >= 2:  # the first two rounds warm up
                times[name][1 if base else 0].append(seconds)
    rows = []
    for name, _kind, measure, data in files:
        jointly, base = times[name]
        rows.append(Row(
            ITEM, f"{label}, {store}: upload {measure} (attach + commit) vs write and hash",
            statistics.median(jointly) * 1000, statistics.median(base) * 1000, "ms", None,
            f"p95 {_percentile(jointly, 0.95) * 1000:.0f} vs {_percentile(base, 0.95) * 1000:.0f} ms; "
            f"{len(data) / MB:.2f} MB; median of {repeat} each, alternately"))
    return rows


# -- text ---------------------------------------------------------------------------------------


def extraction_figures(app, repeat: int) -> list:
    from app.attachments.extraction import extract_text

    documents = (
        ("a one-line text file (starting the child)", "text", b"Starting the reader costs this much.\n"),
        ("a 10-page text PDF", "pdf", pdf(10, 10)),
        ("a 100-page text PDF", "pdf", pdf(100, 100)),
        ("a 50-page Word document", "docx", docx_file(50, 50)),
    )
    figures = []
    with app.app_context():
        for measure, key, data in documents:
            result = extract_text(data, key)
            seconds = median_seconds(lambda data=data, key=key: extract_text(data, key), repeat, warmup=1)
            note = f"; {result.note}" if result.note else ""
            figures.append(Figure(
                ITEM, f"extract_text of {measure}", seconds * 1000, "ms", None,
                f"{len(result.text):,} characters read{note}; {_size(data)}; "
                f"a child process each, median of {repeat}"))
    return figures


# -- search -------------------------------------------------------------------------------------


@dataclass
class Searched:
    times: list[float]  # every search's seconds
    by_query: dict[str, list[float]]
    found: dict[str, int]  # what each query found (the total)

    def p(self, share: float, query: str | None = None) -> float:
        """A percentile, in milliseconds, of every search or of one query's."""
        return _percentile(self.by_query[query] if query else self.times, share) * 1000


def _searches(app, user_id: int, queries: tuple[str, ...], count: int) -> Searched:
    """`count` searches by the member, the queries in turn, each in a transaction of its own as a
    request's (bench/search.py's way)."""
    from app.extensions import db
    from app.search.finding import Filters, search

    searched = Searched([], {text: [] for text in queries}, {})
    with app.app_context():
        for text in queries:  # a warm-up
            search(user_id, text, Filters())
            db.session.remove()
        for number in range(count):
            text = queries[number % len(queries)]
            started = time.perf_counter()
            results = search(user_id, text, Filters())
            seconds = time.perf_counter() - started
            db.session.remove()
            searched.times.append(seconds)
            searched.by_query[text].append(seconds)
            searched.found[text] = results.total
    return searched


def _analyze(app) -> None:
    """PostgreSQL's statistics of the index brought up to date, as autovacuum soon does (and the search
    item after its rebuild): on a fresh copy the planner may otherwise scan every entry of the
    member's partnerships and parse each one's text, which the files make long."""
    from app.extensions import db

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("ANALYZE search_entry"))
            db.session.commit()
        db.session.remove()


def attach_and_read(app) -> list[float]:
    """FILES text files of varied content on the member's first partnership's sections, each read
    by the text job as the worker would; the seconds of each job."""
    from app.attachments.models import AttachmentVersion
    from app.attachments.text import read_text
    from app.extensions import db
    from app.plan_sections.registry import section_keys

    user_id, partnership_id = _member(app)
    keys = section_keys()
    rng = random.Random(FILES)  # noqa: S311 - sizes, not secrets
    versions = []
    for number in range(FILES):
        extra = (RARE,) if number % 10 == 0 else ()
        data = text_file(rng.randint(2, 40) * 1024, seed=1000 + number, extra=extra)
        if extra and RARE.encode() not in data:
            data += f"Sample of {RARE}.\n".encode()
        versions.append(_attach(app, user_id, partnership_id, keys[number % len(keys)],
                                f"Field notes {number + 1}.txt", data)[1])

    def job(version_id: int) -> float:
        with app.app_context():
            started = time.perf_counter()
            read_text(version_id)
            seconds = time.perf_counter() - started
            db.session.remove()
        return seconds

    with ThreadPoolExecutor(JOB_PROCESSES) as pool:
        jobs = list(pool.map(job, versions))
    with app.app_context():
        states = db.session.scalars(sa.select(AttachmentVersion.text_state)
                                    .where(AttachmentVersion.id.in_(versions))).all()
        db.session.remove()
    assert states == ["done"] * FILES, states
    return jobs


def search_rows(label: str, before: Searched, after: Searched, rare: Searched, limit: float | None) -> list:
    by_query = ", ".join(f"{text} {before.p(0.5, text):.1f} → {after.p(0.5, text):.1f} ms "
                         f"({before.found[text]:,} → {after.found[text]:,} found)" for text in DEMO_QUERIES)
    return [
        Figure(ITEM, f"{label}: search p50, a word only inside attached files", rare.p(0.5), "ms", limit,
               f"{len(rare.times)} searches of {RARE!r} by the demo's Alex Morgan: {rare.found[RARE]} of the "
               f"{FILES} files hold it, nothing else does"),
        Figure(ITEM, f"{label}: search p99, a word only inside attached files", rare.p(0.99), "ms", None,
               f"slowest {max(rare.times) * 1000:.0f} ms"),
        Row(ITEM, f"{label}: search p50 for the demo's words, {FILES} files attached vs none", after.p(0.5),
            before.p(0.5), "ms", None,
            f"{len(after.times)} searches each, the words in turn; p99 {after.p(0.99):.1f} vs {before.p(0.99):.1f} ms; "
            f"p50 by query before → after: {by_query}"),
    ]


# -- the item -----------------------------------------------------------------------------------


def run() -> list:
    repeat = int(os.environ.get("BENCH_ATTACH_REPEAT", "20"))
    extract_repeat = int(os.environ.get("BENCH_EXTRACT_REPEAT", "3"))
    searches = int(os.environ.get("BENCH_ATTACH_SEARCHES", "200"))
    log("attachments: building the files")
    files = [
        ("text", "text", "a 100 KB text file", text_file(100 * 1024, seed=1)),
        ("pdf5", "pdf", "a 5 MB PDF", sized_pdf(5 * MB, 10, seed=5)),
        ("pdf20", "pdf", "a 20 MB PDF", sized_pdf(20 * MB, 40, seed=20)),
    ]
    assert [_page_count(data) for _, kind, _, data in files if kind == "pdf"] == [10, 40]
    rows = []
    # SQLite before the files are attached, and after (copied again rather than read twice).
    paths = [os.path.join(WORK_DIR, f"attachments-{when}.sqlite3") for when in ("before", "after")]
    with demo_database("attachments") as url, moto_s3() as s3:
        app = make_app(url)
        apps = [app]
        try:
            log("attachments: text extraction")
            rows += extraction_figures(app, extract_repeat)
            log("attachments: copying to SQLite; searches before any file")
            apps.append(_copy_to_sqlite(app, paths[0])[0])
            user_id, _ = _member(app)
            _analyze(app)
            before = {"PostgreSQL": _searches(app, user_id, DEMO_QUERIES, searches),
                      "SQLite": _searches(apps[-1], user_id, DEMO_QUERIES, searches)}
            log(f"attachments: attaching {FILES} text files and reading their text (a child process each)")
            jobs = attach_and_read(app)
            _analyze(app)
            rows.append(Figure(ITEM, "PostgreSQL: text job (read_text) of a 2–40 KB text file",
                               statistics.median(jobs) * 1000, "ms", None,
                               f"median of {FILES}, two at a time as the worker's two job processes run them; slowest "
                               f"{max(jobs) * 1000:.0f} ms: read from the store, extracted in a child process, "
                               "the version and its search entry written"))
            log("attachments: copying to SQLite again; searches with the files")
            sqlite_app = _copy_to_sqlite(app, paths[1])[0]
            apps.append(sqlite_app)
            engines = (("PostgreSQL", app, P50_LIMIT_MS), ("SQLite", sqlite_app, None))
            for label, one, limit in engines:
                after = _searches(one, user_id, DEMO_QUERIES, searches)
                rare = _searches(one, user_id, (RARE,), searches)
                assert rare.found[RARE] > 0, f"{label}: {RARE!r} not found"
                rows += search_rows(label, before[label], after, rare, limit)
            for label, one, _ in engines:
                for store, settings in (("filesystem", {}), ("S3 (moto)", s3)):
                    log(f"attachments: {label}, {store}: uploads")
                    target = make_app(one.config["SQLALCHEMY_DATABASE_URI"], **settings) if settings else one
                    apps.append(target)
                    rows += upload_rows(target, label, store, files, repeat)
        finally:
            from app.extensions import db

            for one in apps:
                with one.app_context():
                    db.session.remove()
                    db.engine.dispose()
            for path in paths:
                if os.path.exists(path):
                    os.remove(path)
    return rows

