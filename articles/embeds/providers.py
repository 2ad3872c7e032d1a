"""Embed providers: which pasted addresses become which player, and nothing else.

A :class:`Provider` recognises the address of a post, video or chart by
regular expressions and builds its player's address from a template. The
player's host is fixed by the template (or, for Mastodon, by the list of
instances the pattern accepts), so no pasted address can point an iframe
anywhere the allow-list does not name; the same hosts are what the
Content-Security-Policy allows in ``frame-src`` (:func:`articles.embeds.frame_origins`).

Nothing here touches the network: no oEmbed, at save time or at render time.
"""

import dataclasses
import re
from urllib.parse import parse_qsl, quote, urlsplit

# Host prefixes that name the same site: "www.youtube.com", "m.youtube.com",
# "mobile.twitter.com" are matched as "youtube.com" and "twitter.com".
_SAME_SITE_PREFIXES = ("www.", "m.", "mobile.")


@dataclasses.dataclass(frozen=True)
class Provider:
    """One service whose posts, videos or charts may be embedded.

    ``patterns`` are matched in full against the pasted address reduced to
    ``host/path`` (host lower-cased without ``www.``/``m.``/``mobile.``, no
    trailing slash), followed by ``?name=value`` for each of ``query`` the
    address has, in that order. Their named groups fill ``embed_url``.
    """

    name: str
    patterns: tuple
    embed_url: str
    key: str = ""
    #: Query parameters the patterns may look at (YouTube's ``watch?v=``).
    query: tuple = ()
    #: The player's shape: a CSS aspect ratio ("16 / 9") or else a height in pixels.
    aspect_ratio: str = ""
    height: int = 0
    #: Whether the player needs to run scripts in its (always cross-origin) sandbox.
    scripts: bool = True
    #: The iframe's ``allow`` attribute (a permissions policy).
    allow: str = "fullscreen"
    #: Where the player is served from, for ``frame-src``; empty: the origin of ``embed_url``.
    origins: tuple = ()

    def __post_init__(self):
        if isinstance(self.patterns, str):
            object.__setattr__(self, "patterns", (self.patterns,))
        object.__setattr__(self, "patterns", tuple(self.patterns))
        object.__setattr__(self, "query", tuple(self.query))
        object.__setattr__(self, "origins", tuple(self.origins) or (template_origin(self.embed_url),))
        if not self.key:
            object.__setattr__(self, "key", re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-"))
        object.__setattr__(self, "_compiled", tuple(re.compile(pattern) for pattern in self.patterns))
        if not self.aspect_ratio and not self.height:
            object.__setattr__(self, "aspect_ratio", "16 / 9")

    def match(self, subject):
        """The player's address for ``subject`` (see :func:`match_subject`), or ``None``."""
        for pattern in self._compiled:
            found = pattern.fullmatch(subject)
            if found:
                values = {name: quote(value or "", safe="@:") for name, value in found.groupdict().items()}
                return self.embed_url.format_map(values)
        return None

    @property
    def sandbox(self):
        """The iframe's ``sandbox``: never ``allow-same-origin``, so a player's scripts run in an opaque origin."""
        tokens = ["allow-scripts"] if self.scripts else []
        # Links in a player (a post's author, "watch on YouTube") open in a new, unsandboxed tab.
        return " ".join([*tokens, "allow-popups", "allow-popups-to-escape-sandbox"])


def template_origin(template):
    """``https://host`` of an embed URL template; ``ValueError`` unless it is https on a fixed host."""
    parts = urlsplit(template)
    if parts.scheme != "https" or not parts.hostname or "{" in parts.netloc or "@" in parts.netloc:
        raise ValueError(
            f"{template!r}: an embed URL must be https:// on a fixed host (or the provider lists its origins)"
        )
    return f"https://{parts.netloc.lower()}"


def match_subject(url, query=()):
    """``host/path?query`` of a pasted address as :class:`Provider` patterns see it; ``None`` if not a web address."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.username or parts.password or port:
        return None
    host = parts.hostname.lower().rstrip(".")
    for prefix in _SAME_SITE_PREFIXES:
        if host.startswith(prefix):
            host = host[len(prefix) :]
            break
    subject = host + parts.path.rstrip("/")
    params = dict(parse_qsl(parts.query))
    for name in query:
        if name in params:
            subject += f"?{name}={params[name]}"
    return subject


_VIDEO = "autoplay; encrypted-media; fullscreen; picture-in-picture"


def builtin(mastodon_instances=()):
    """The providers every site has (README "Embeds")."""
    instances = [host.lower() for host in mastodon_instances]
    providers = [
        Provider(
            name="YouTube",
            patterns=(
                r"youtube\.com/watch\?v=(?P<id>[\w-]{11})",
                r"youtu\.be/(?P<id>[\w-]{11})",
                r"youtube\.com/(?:embed|live|v)/(?P<id>[\w-]{11})",
            ),
            query=("v",),
            embed_url="https://www.youtube-nocookie.com/embed/{id}",
            allow=_VIDEO,
        ),
        Provider(
            name="YouTube Shorts",
            key="youtube-shorts",
            patterns=(r"youtube\.com/shorts/(?P<id>[\w-]{11})",),
            embed_url="https://www.youtube-nocookie.com/embed/{id}",
            aspect_ratio="9 / 16",
            allow=_VIDEO,
        ),
        Provider(
            name="Vimeo",
            patterns=(
                r"vimeo\.com/(?:channels/[\w-]+/|groups/[\w-]+/videos/)?(?P<id>\d+)",
                r"player\.vimeo\.com/video/(?P<id>\d+)",
            ),
            # dnt: Vimeo's player sets no tracking cookies.
            embed_url="https://player.vimeo.com/video/{id}?dnt=1",
            allow=_VIDEO,
        ),
        Provider(
            name="X (Twitter)",
            key="x",
            patterns=(r"(?:twitter|x)\.com/(?:\w{1,15}|i/web)/status/(?P<id>\d+)",),
            embed_url="https://platform.twitter.com/embed/Tweet.html?id={id}&dnt=true",
            height=560,
        ),
        Provider(
            name="Instagram",
            patterns=(r"instagram\.com/(?:[\w.]+/)?(?P<kind>p|reel|tv)/(?P<id>[\w-]+)",),
            embed_url="https://www.instagram.com/{kind}/{id}/embed/",
            height=720,
        ),
        Provider(
            name="TikTok",
            patterns=(r"tiktok\.com/@[\w.-]+/video/(?P<id>\d+)",),
            embed_url="https://www.tiktok.com/player/v1/{id}",
            aspect_ratio="9 / 16",
            allow=_VIDEO,
        ),
        Provider(
            name="Bluesky",
            # The address names the author by handle or DID; embed.bsky.app takes either.
            patterns=(r"bsky\.app/profile/(?P<author>[\w.:-]+)/post/(?P<id>[\w]+)",),
            embed_url="https://embed.bsky.app/embed/{author}/app.bsky.feed.post/{id}",
            height=520,
        ),
        Provider(
            name="Datawrapper",
            patterns=(
                r"datawrapper\.dwcdn\.net/(?P<id>[A-Za-z0-9]{5})(?:/\d+)?",
                r"app\.datawrapper\.de/chart/(?P<id>[A-Za-z0-9]{5})(?:/[\w-]+)?",
            ),
            embed_url="https://datawrapper.dwcdn.net/{id}/",
            height=500,
        ),
        Provider(
            name="Flourish",
            patterns=(
                r"public\.flourish\.studio/(?P<kind>visualisation|story)/(?P<id>\d+)(?:/embed)?",
                r"flo\.uri\.sh/(?P<kind>visualisation|story)/(?P<id>\d+)(?:/embed)?",
            ),
            embed_url="https://flo.uri.sh/{kind}/{id}/embed",
            height=600,
        ),
    ]
    if instances:
        hosts = "|".join(re.escape(host) for host in instances)
        providers.append(
            Provider(
                name="Mastodon",
                patterns=(rf"(?P<host>{hosts})/@(?P<user>\w+(?:@[\w.-]+)?)/(?P<id>\d+)",),
                embed_url="https://{host}/@{user}/{id}/embed",
                origins=tuple(f"https://{host}" for host in instances),
                height=480,
            )
        )
    return providers
