# Two app servers behind one Varnish (README: "Two app servers, read replicas").
#
# Everything newsroom.vcl decides still holds (it is included below); this
# file only spreads the requests over the app servers, round robin, and
# stops sending them to one that does not answer. Both app servers use the
# same PostgreSQL and the same Redis (DATABASE_URL, CACHE_URL), and each
# purges this Varnish after a save (VARNISH_PURGE_URLS), so add both
# addresses to the `purgers` ACL in newsroom.vcl.
#
#     varnishd -a :6081 -f /etc/varnish/two-backends.vcl -s malloc,1g
#
# (with newsroom.vcl next to it: the include is relative to this file).
vcl 4.1;

import directors;

# Each app server's gunicorn. The probe asks a cheap page every 5 s; an app
# server that fails 3 of the last 5 is left out until it answers again.
backend app1 {
    .host = "10.0.0.11";
    .port = "8000";
    .probe = {
        .url = "/robots.txt";
        .interval = 5s;
        .timeout = 2s;
        .window = 5;
        .threshold = 3;
    }
}

backend app2 {
    .host = "10.0.0.12";
    .port = "8000";
    .probe = {
        .url = "/robots.txt";
        .interval = 5s;
        .timeout = 2s;
        .window = 5;
        .threshold = 3;
    }
}

sub vcl_init {
    new app_servers = directors.round_robin();
    app_servers.add_backend(app1);
    app_servers.add_backend(app2);
}

# Before newsroom.vcl's own vcl_recv, which ends in a return: Varnish runs
# subroutines of the same name in the order they appear.
sub vcl_recv {
    set req.backend_hint = app_servers.backend();
}

include "./newsroom.vcl";
