"""Configuration defaults.

Every key can be overridden by ``instance/config.py`` or by an environment variable with the
``ANNOTATOR_`` prefix (``ANNOTATOR_DATABASE_URL``, ``ANNOTATOR_SECRET_KEY``,
``ANNOTATOR_MAX_CONTENT_LENGTH``...). Values of environment variables are parsed as JSON when
they can be (``ANNOTATOR_LOGIN_MAX_FAILURES=10`` is the number 10).
"""

# The SQLAlchemy URL of the database. None means instance/annotator.sqlite3.
DATABASE_URL = None

# Requests larger than this (uploads included) are refused with 413.
MAX_CONTENT_LENGTH = 32 * 1024 * 1024

# Sessions: the cookie is never readable from JavaScript and not sent on cross-site requests.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"
# Set to True when the app is served over HTTPS (it should be, outside localhost).
SESSION_COOKIE_SECURE = False

# CSRF: checked by annotator.security for every session-authenticated write.
WTF_CSRF_CHECK_DEFAULT = False
WTF_CSRF_TIME_LIMIT = None

# Failed logins: after LOGIN_MAX_FAILURES wrong passwords in a row, the account is locked for
# LOGIN_LOCK_SECONDS (doubling on each further lock, up to a day).
LOGIN_MAX_FAILURES = 5
LOGIN_LOCK_SECONDS = 300
# Failed logins from one client address: at most this many per window (then 429 until the
# window is over), so that one client cannot lock many accounts or try many names.
LOGIN_ADDRESS_MAX_FAILURES = 30
LOGIN_ADDRESS_WINDOW_SECONDS = 900
# How many proxies in front of the app set X-Forwarded-For (0: none, the client address is the
# connection's). Set it to 1 behind one reverse proxy (nginx, Caddy): only then is the header
# trusted, as anyone can send it.
TRUSTED_PROXIES = 0

# A browser session that has not been used for this many days ends.
SESSION_IDLE_DAYS = 30

# How passwords are hashed (werkzeug.security); the tests use a faster setting.
PASSWORD_HASH_METHOD = "scrypt"

# The annotate page retries unsent changes with growing waits, at most this long apart.
ANNOTATE_RETRY_MAX_MS = 15000

# An imported zip (brat) may unpack to at most this many bytes of text, and no member to more
# than IMPORT_ARCHIVE_MAX_RATIO times its compressed size: zip bombs are refused.
IMPORT_ARCHIVE_MAX_BYTES = 64 * 1024 * 1024
IMPORT_ARCHIVE_MAX_RATIO = 200

# Importing web pages by address (annotator import --url, the admin import page): the time a
# fetch may take (seconds, redirects included), the largest page, the most redirects, how many
# pages are fetched at a time, and the User-Agent sent.
IMPORT_URL_TIMEOUT = 20
IMPORT_URL_MAX_BYTES = 10 * 1024 * 1024
IMPORT_URL_MAX_REDIRECTS = 5
IMPORT_URL_WORKERS = 4
IMPORT_URL_USER_AGENT = "Mozilla/5.0 (compatible; framing-annotator)"
# Addresses that are not public (loopback, private, link-local, cloud metadata) are never
# fetched, unless listed here: addresses, networks ("10.0.0.0/8") or host names. The command
# line's --allow-private allows the private ones too (never the metadata endpoints).
IMPORT_URL_ALLOW: list[str] = []
# annotator import: the files are parsed in processes of their own while the import writes,
# JSONL files by this many at once (each its share of the documents; at most the number of
# CPUs), other files by one; 0: parsed in the importing process.
IMPORT_READ_AHEAD_PROCESSES = 2
# The admin import page fetches at most this many addresses at once (the command line has
# no limit: annotator import SLUG --urls FILE).
IMPORT_URL_MAX_PER_UPLOAD = 20

# Derived data kept in the database for every worker (annotator.cache: agreement reports, the
# source ledger): at most so many entries, and so many bytes of compressed values, in all.
CACHE_MAX_ENTRIES = 64
CACHE_MAX_BYTES = 64 * 1024 * 1024

# Largest number of spans accepted in one PUT of gold spans.
MAX_GOLD_SPANS = 20000

# PostgreSQL: psycopg prepares a statement on the server after it has run it this many times on
# a connection (parsed and planned once, then only bound and run). The hot paths' statements
# are built once with bound parameters, so they are prepared early and stay prepared (the
# reads run without a transaction, whose ROLLBACK would make psycopg forget them).
# A pooled connection is not pinged before each use (``pool_pre_ping``, a round trip per
# request): ``database._dead_connection`` finds one the server has closed without asking it.
SQLALCHEMY_ENGINE_OPTIONS = {"connect_args": {"prepare_threshold": 2}}
