"""Fetching web pages to import (``annotator import SLUG --url URL``, the admin import page).

A fetch is bounded: http and https only; one time limit for the whole fetch, redirects
included (``IMPORT_URL_TIMEOUT``); a size limit on the page (``IMPORT_URL_MAX_BYTES``, also
after gzip is undone); at most ``IMPORT_URL_MAX_REDIRECTS`` redirects, each checked as the
first address is. Every host name is resolved here and every address it resolves to is
checked before connecting, and the connection goes to the address checked (so a second DNS
answer cannot swap in another): addresses that are not public (loopback, private, link-local,
shared, reserved, and the cloud metadata endpoints) are refused unless the operator allows
them, by network or host name in ``IMPORT_URL_ALLOW``, or, on the command line only, with
``--allow-private`` (which still refuses the metadata endpoints). Proxies
(``HTTP_PROXY``...) are not used.

Every refusal is an ``ImportFailed`` that starts with the address as given. ``fetch_documents``
fetches and extracts several pages (a few at a time) and refuses them all, listing every
address that failed, when any fails: an import is all or nothing.
"""

from __future__ import annotations

import datetime as dt
import http.client
import ipaddress
import socket
import ssl
import time
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from ..errors import ImportFailed
from .html import PageOrigin, parse_html
from .parsed import ParsedDocument

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

REDIRECTS = {301, 302, 303, 307, 308}
PAGE_TYPES = {"text/html", "application/xhtml+xml"}
# Where clouds answer with their machines' credentials: refused even with --allow-private.
METADATA = {ipaddress.ip_address(a) for a in (
    "169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")}
MAX_URL = 2000
# Failures named in one refusal of a list of addresses; the rest are counted.
NAMED_FAILURES = 20


@dataclass(frozen=True)
class FetchPolicy:
    """The limits of a fetch and the addresses it may reach (``fetch_policy`` reads them
    from the app's configuration)."""

    timeout: float = 20.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    allow_networks: tuple[Network, ...] = ()
    allow_hosts: frozenset[str] = field(default_factory=frozenset)
    # the command line's --allow-private (None: not on offer, as on the admin page)
    allow_private: bool | None = None
    user_agent: str = "Mozilla/5.0 (compatible; framing-annotator)"
    workers: int = 4


def fetch_policy(config: Mapping[str, Any], allow_private: bool | None = None) -> FetchPolicy:
    """The policy the configuration sets (``IMPORT_URL_*``); ``IMPORT_URL_ALLOW`` is a list
    of addresses, networks (``10.0.0.0/8``) and host names the operator allows.
    ``allow_private`` is the command line's flag; the server passes nothing (None)."""
    allow = config.get("IMPORT_URL_ALLOW") or []
    if isinstance(allow, str):
        allow = allow.replace(",", " ").split()
    networks: list[Network] = []
    hosts: set[str] = set()
    for entry in allow:
        entry = str(entry).strip()
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            if not entry or "/" in entry or not all(
                    part and (part.isalnum() or "-" in part)
                    for part in entry.rstrip(".").split(".")):
                raise ImportFailed(
                    f"IMPORT_URL_ALLOW: '{entry}' is neither an address, a network such as "
                    f"10.0.0.0/8, nor a host name.") from None
            hosts.add(entry.rstrip(".").lower())
    defaults = FetchPolicy()
    return FetchPolicy(
        timeout=float(config.get("IMPORT_URL_TIMEOUT", defaults.timeout)),
        max_bytes=int(config.get("IMPORT_URL_MAX_BYTES", defaults.max_bytes)),
        max_redirects=int(config.get("IMPORT_URL_MAX_REDIRECTS", defaults.max_redirects)),
        allow_networks=tuple(networks),
        allow_hosts=frozenset(hosts),
        allow_private=allow_private,
        user_agent=str(config.get("IMPORT_URL_USER_AGENT") or defaults.user_agent),
        workers=max(1, int(config.get("IMPORT_URL_WORKERS", defaults.workers))),
    )


@dataclass(frozen=True)
class FetchedPage:
    data: bytes
    origin: PageOrigin


class _Refused(Exception):
    """A reason to refuse the fetch (the message lacks the address, added once)."""


# --- addresses -------------------------------------------------------------------------------

def _kind(address: Address) -> str | None:
    """Why an address is not public, or None when it is."""
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address in METADATA:
        return "cloud metadata"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_private and not address.is_unspecified and not address.is_reserved:
        return "private"
    if not address.is_global or address.is_multicast:
        return "non-public"
    return None


def _check(host: str, address: Address, policy: FetchPolicy) -> None:
    plain = (address.ipv4_mapped or address) if address.version == 6 else address
    if host in policy.allow_hosts or any(plain in n for n in policy.allow_networks
                                         if n.version == plain.version):
        return
    kind = _kind(address)
    if kind is None or (policy.allow_private and kind != "cloud metadata"):
        return
    what = (f"{host} is a {kind} address" if _literal(host) == address else
            f"{host} resolves to {address}, a {kind} address")
    advice = "name it in IMPORT_URL_ALLOW to allow it"
    if kind != "cloud metadata" and policy.allow_private is False:
        advice += " (or use --allow-private)"
    raise _Refused(f"{what}, which imports may not fetch from; {advice}")


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _addresses(host: str, port: int, policy: FetchPolicy) -> list[Address]:
    """Every address ``host`` resolves to, each checked; refused when any is not allowed
    (a name that resolves to a public and a private address is refused)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise _Refused(f"the host name {host} was not found") from None
    except UnicodeError:
        raise _Refused(f"the host name {host} is not valid") from None
    addresses: list[Address] = []
    for _family, _type, _proto, _name, sockaddr in found:
        address = ipaddress.ip_address(sockaddr[0].split("%")[0])
        _check(host, address, policy)
        if address.version == 6 and address.ipv4_mapped:
            address = address.ipv4_mapped  # the IPv4 address it stands for
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise _Refused(f"the host name {host} has no address")
    return addresses


# --- connections to a checked address --------------------------------------------------------

class _Connection(http.client.HTTPConnection):
    """HTTP to an address already checked, whatever the host name resolves to now.
    ``reader`` is the socket the response reads from (``sock`` is let go of when the server
    closes the connection after the answer)."""

    def __init__(self, host: str, port: int, address: Address, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address
        self.reader: socket.socket | None = None

    def connect(self) -> None:
        self.sock = self.reader = socket.create_connection((str(self.address), self.port),
                                                           self.timeout)


class _TLSConnection(http.client.HTTPSConnection):
    """HTTPS to an address already checked; the certificate is checked for the host name."""

    def __init__(self, host: str, port: int, address: Address, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address
        self.reader: socket.socket | None = None

    def connect(self) -> None:
        sock = socket.create_connection((str(self.address), self.port), self.timeout)
        self.sock = self.reader = self._context.wrap_socket(sock, server_hostname=self.host)


@dataclass
class _Target:
    url: str
    scheme: str
    host: str
    port: int
    path: str


def _target(url: str) -> _Target:
    if len(url) > MAX_URL:
        raise _Refused(f"the address is longer than {MAX_URL} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _Refused("this is not a valid web address") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise _Refused(f"only http:// and https:// addresses can be fetched (this one is "
                       f"{scheme + ':' if scheme else 'without a scheme'})")
    if not parts.hostname:
        raise _Refused("the address names no host")
    if parts.username is not None or parts.password is not None:
        raise _Refused("addresses with a user name or password are not fetched")
    try:
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise _Refused(f"the host name {parts.hostname} is not valid") from None
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    if parts.query:
        path += "?" + quote(parts.query, safe="/%:@!$&'()*+,;=-._~?")
    return _Target(url, scheme, host, port or (443 if scheme == "https" else 80), path)


# --- one fetch -------------------------------------------------------------------------------

def fetch(url: str, policy: FetchPolicy) -> FetchedPage:
    """The page at ``url`` (following redirects), within the policy's limits; refused with
    an ``ImportFailed`` that names the address and the reason."""
    url = url.strip()
    try:
        return _fetch(url, policy)
    except _Refused as exc:
        raise ImportFailed(f"{url}: {exc}.") from None


def _fetch(url: str, policy: FetchPolicy) -> FetchedPage:
    deadline = time.monotonic() + policy.timeout
    current = url
    for _hop in range(policy.max_redirects + 1):
        target = _target(current)
        response, connection = _request(target, policy, deadline)
        try:
            if response.status in REDIRECTS:
                location = response.getheader("Location")
                if not location:
                    raise _Refused(f"the server answered {response.status} (a redirect) "
                                   f"without saying where to")
                current = urljoin(current, location.strip())
                continue
            fetched_at = dt.datetime.now(dt.UTC)
            if not 200 <= response.status < 300:
                raise _Refused(f"the server answered {response.status} "
                               f"{response.reason}".rstrip())
            media_type = response.headers.get_content_type()
            if response.getheader("Content-Type") and media_type not in PAGE_TYPES:
                raise _Refused(f"this is not a web page (the server says it is "
                               f"{media_type})")
            data = _body(response, connection, policy, deadline)
            charset = response.headers.get_content_charset()
        finally:
            connection.close()
        return FetchedPage(data, PageOrigin(url=url, fetched_at=fetched_at,
                                            final_url=current if current != url else None,
                                            charset=charset))
    raise _Refused(f"the page redirects more than {policy.max_redirects} times")


def _remaining(deadline: float, policy: FetchPolicy, answered: bool = True) -> float:
    """The time left before ``deadline``; past it, the refusal says what did not come in time
    (the answer itself, or the page after the answer began)."""
    left = deadline - time.monotonic()
    if left <= 0:
        if not answered:
            raise _Refused(f"the server did not answer within {policy.timeout:g} seconds")
        raise _Refused(f"the server did not send the page within {policy.timeout:g} seconds")
    return left


def _request(target: _Target, policy: FetchPolicy, deadline: float):
    addresses = _addresses(target.host, target.port, policy)
    kind = _TLSConnection if target.scheme == "https" else _Connection
    last: Exception | None = None
    for address in addresses:
        connection = kind(target.host, target.port, address,
                          _remaining(deadline, policy, answered=False))
        try:
            connection.request("GET", target.path, headers={
                "User-Agent": policy.user_agent,
                "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
                "Accept-Encoding": "gzip",
            })
            connection.sock.settimeout(_remaining(deadline, policy, answered=False))
            return connection.getresponse(), connection
        except TimeoutError:
            connection.close()
            raise _Refused(f"the server did not answer within {policy.timeout:g} "
                           f"seconds") from None
        except http.client.RemoteDisconnected:
            connection.close()
            raise _Refused("the server closed the connection without answering") from None
        except ssl.SSLCertVerificationError as exc:
            connection.close()
            raise _Refused(f"the server's certificate cannot be trusted "
                           f"({exc.verify_message})") from None
        except ssl.SSLError as exc:
            connection.close()
            raise _Refused(f"the secure connection failed ({exc.reason or exc})") from None
        except http.client.HTTPException:
            connection.close()
            raise _Refused("the server's answer is not HTTP") from None
        except OSError as exc:  # refused, unreachable: try the host's next address
            connection.close()
            last = exc
    reason = last.strerror if isinstance(last, OSError) and last.strerror else str(last)
    raise _Refused(f"cannot connect to {target.host} ({reason})")


def _body(response, connection, policy: FetchPolicy, deadline: float) -> bytes:
    limit = policy.max_bytes
    too_large = _Refused(f"the page is larger than {_size(limit)}, the limit "
                         f"(IMPORT_URL_MAX_BYTES)")
    length = response.getheader("Content-Length")
    if length and length.strip().isdigit() and int(length) > limit:
        raise too_large
    encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate"):
        inflate = zlib.decompressobj(47 if encoding != "deflate" else zlib.MAX_WBITS)
    elif encoding == "identity":
        inflate = None
    else:
        raise _Refused(f"the page is compressed as {encoding}, which cannot be read")
    chunks: list[bytes] = []
    size = 0
    try:
        while not response.isclosed():  # closed once the whole page is read
            # each read1 waits on the socket once, at most until the deadline
            connection.reader.settimeout(_remaining(deadline, policy))
            chunk = response.read1(65536)
            if not chunk:
                break
            if inflate is not None:
                chunk = inflate.decompress(chunk, limit + 1 - size)
                if inflate.unconsumed_tail:
                    raise too_large
            size += len(chunk)
            if size > limit:
                raise too_large
            chunks.append(chunk)
            _remaining(deadline, policy)
        if inflate is not None:
            rest = inflate.flush()
            if size + len(rest) > limit:
                raise too_large
            chunks.append(rest)
    except TimeoutError:
        raise _Refused(f"the server did not send the page within {policy.timeout:g} "
                       f"seconds") from None
    except zlib.error:
        raise _Refused(f"the page's {encoding} compression is broken") from None
    except (http.client.HTTPException, OSError):
        raise _Refused("the connection broke before the page was complete") from None
    return b"".join(chunks)


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / 1024 / 1024:g} MB"
    if count >= 1024:
        return f"{count / 1024:g} KB"
    return f"{count} bytes"


# --- many pages ------------------------------------------------------------------------------

def read_url_list(lines: Iterable[str]) -> list[str]:
    """The addresses of a list, one a line; blank lines and lines starting with ``#`` are
    left out."""
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def fetch_documents(
    urls: Sequence[str],
    policy: FetchPolicy,
    progress: Callable[[str], None] | None = None,
) -> list[ParsedDocument]:
    """Fetch the pages and take their articles out (``policy.workers`` at a time), in the
    order given. When any fails, nothing is returned: one ``ImportFailed`` names every
    address that failed and why."""

    def one(url: str) -> ParsedDocument | ImportFailed:
        try:
            page = fetch(url, policy)
            return parse_html(page.data, url.strip(), page.origin)
        except ImportFailed as exc:
            return exc

    results: list[ParsedDocument | ImportFailed] = []
    with ThreadPoolExecutor(max_workers=policy.workers) as pool:
        for url, result in zip(urls, pool.map(one, urls), strict=True):
            results.append(result)
            if progress:
                progress(url)
    failures = [r.message for r in results if isinstance(r, ImportFailed)]
    if len(failures) == 1:
        raise ImportFailed(failures[0])
    if failures:
        named = "\n".join(f"  {message}" for message in failures[:NAMED_FAILURES])
        more = len(failures) - NAMED_FAILURES
        raise ImportFailed(
            f"{len(failures)} of {len(urls)} web addresses could not be imported:\n{named}"
            + (f"\n  ... and {more} more." if more > 0 else ""))
    return [r for r in results if isinstance(r, ParsedDocument)]
