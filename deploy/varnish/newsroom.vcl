# Varnish 7.1+ in front of the Newsroom app (README: "Edge cache").
#
# What this file decides:
# - Anonymous GET/HEAD reader pages are cached for as long as the app's
#   Surrogate-Control: max-age says (else its Cache-Control), and purged by
#   key the moment an edit commits: the app sends each page's keys in an
#   `xkey` header and, after a save, `PURGE` with `xkey-purge: <keys>`
#   (articles.delivery.purging.VarnishPurger).
# - Signed-in editors (the session cookie), HTTP credentials, the admin,
#   previews and every other method go straight to the app, never cached.
# - Only responses the app marks cacheable are cached: no guessed TTL for
#   redirects, 404s or errors, which carry no keys and so could not be purged.
#
# Three things to edit for a site (the integration test rewrites the same
# lines, tests/test_edge_varnish.py): the backend, the `purgers` ACL and
# the purge token. Settings on these lines only; the logic below is shared.
vcl 4.1;

import std;
import xkey;

# The app (gunicorn). Several app servers: two-backends.vcl, which includes this file.
backend default {
    .host = "127.0.0.1";
    .port = "8000";
}

# Who may purge: the app servers' addresses.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub newsroom_settings {
    # The app's VARNISH_PURGE_SECRET, sent as X-Purge-Token; "" lets the
    # `purgers` ACL alone decide. Set both, or neither.
    set req.http.X-Newsroom-Purge-Secret = "";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        call newsroom_settings;
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (req.http.X-Newsroom-Purge-Secret != ""
                && req.http.X-Purge-Token != req.http.X-Newsroom-Purge-Secret) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey-purge) {
            # Purging by URL is not offered: a page is purged by what it shows.
            return (synth(400, "xkey-purge header required"));
        }
        # A hard purge: the objects are gone, never served in grace, so a
        # withdrawn story cannot reappear while the app is down.
        set req.http.X-Purged = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Purged " + req.http.X-Purged));
    }
    if (req.method == "BAN") {
        return (synth(405, "Method Not Allowed"));
    }
    # A client must not choose what this cache stores or purges with.
    unset req.http.X-Newsroom-Purge-Secret;

    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # The Django session cookie (SESSION_COOKIE_NAME): a signed-in editor
    # sees personal pages and must never get, nor fill, the shared copy.
    if (req.http.Cookie ~ "(^|;\s*)sessionid=") {
        return (pass);
    }
    if (req.http.Authorization || req.url ~ "^/admin(/|$)" || req.url ~ "/preview/") {
        return (pass);
    }
    # Any other cookie (csrftoken, analytics) does not change a reader page;
    # dropping it keeps the app's `Vary: Cookie` from making one copy per
    # visitor.
    unset req.http.Cookie;

    # The app is up (no probe configured counts as up): never serve a copy
    # past its TTL. With a probe on the backend, a sick app's pages are
    # served from grace (beresp.grace below) instead of an error.
    if (std.healthy(req.backend_hint)) {
        set req.grace = 0s;
    }
    # The built-in vcl_recv follows: it caches GET/HEAD without cookies.
}

sub vcl_backend_response {
    if (bereq.uncacheable) {
        return (deliver);
    }
    # The app's word that a response is personal wins over every TTL,
    # Surrogate-Control included (the built-in VCL lets Surrogate-Control
    # override Cache-Control: private; this one does not).
    if (beresp.http.Set-Cookie
            || beresp.http.Cache-Control ~ "(?i)(private|no-store|no-cache)"
            || beresp.http.Surrogate-Control ~ "(?i)no-store") {
        call newsroom_hit_for_miss;
    }
    if (beresp.http.Surrogate-Control ~ "(?i)(^|[,\s])max-age=[0-9]+") {
        # How long the edge may keep the page; purges make it fresh sooner.
        set beresp.ttl = std.duration(
            regsub(beresp.http.Surrogate-Control, "(?i)^.*max-age=([0-9]+).*$", "\1s"), 0s);
    } else if (beresp.http.Cache-Control !~ "(?i)(s-maxage|max-age)=[0-9]+") {
        # Redirects, 404s, errors: the app gave no lifetime and no keys, so
        # a copy could not be purged. Never cache on Varnish's default_ttl.
        call newsroom_hit_for_miss;
    }
    # (else: Varnish has already taken the TTL from Cache-Control.)
    if (beresp.ttl <= 0s) {
        call newsroom_hit_for_miss;
    }
    # Kept past its TTL only for a sick backend (req.grace in vcl_recv).
    set beresp.grace = 1h;
    return (deliver);
}

sub newsroom_hit_for_miss {
    # Requests for this URL go to the app for 2 minutes, without queueing
    # behind each other; a later cacheable answer is cached as usual.
    set beresp.ttl = 120s;
    set beresp.grace = 0s;
    set beresp.uncacheable = true;
    return (deliver);
}

sub vcl_deliver {
    # The keys and the edge lifetime are for this cache, not for browsers
    # or for a CDN in front (which would keep the page for a day with
    # nobody to purge it). Cache-Tag stays: it is Cloudflare's, and
    # Cloudflare strips it itself before readers see it; a Cloudflare in
    # front of this Varnish needs it to purge by tag.
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
    unset resp.http.Surrogate-Control;
    if (obj.uncacheable) {
        set resp.http.X-Cache = "PASS";
    } else if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}

sub vcl_synth {
    if (req.method == "PURGE") {
        if (req.http.X-Purged) {
            set resp.http.X-Purged = req.http.X-Purged;
        }
        set resp.http.Content-Type = "text/plain; charset=utf-8";
        set resp.body = resp.reason + {"
"};
        return (deliver);
    }
}
