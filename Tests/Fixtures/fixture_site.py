#!/usr/bin/env python3
"""A fixture website for NexTraction's crawler and ingest tests (a real HTTP server process).

Usage: python3 fixture_site.py --port-file PATH [--port 0]
Writes the bound port to PATH, then serves until killed. Behaviours (each asserted by a test):

  /robots.txt            Disallow /private/, Crawl-delay 0.05, Sitemap line
  /sitemap.xml           sitemap index -> /sitemap-pages.xml.gz (gzip urlset; lists /orphan)
  /                      home: nav + header + footer boilerplate, links to everything below
  /topics/<slug>         20 content pages (Tests/Fixtures/topics.json), ETag + Last-Modified, 304
  /private/secret        disallowed by robots.txt
  /redirect-1 -> /redirect-2 -> /redirect-final   a redirect chain (301, 302)
  /leave                 302 to http://localhost:PORT/elsewhere (another host: out of scope)
  /missing               404
  /flaky                 503 with Retry-After: 1 on the first request, 200 after
  /files/manual.pdf      application/pdf;  /images/logo.png  image/png
  /dup-a, /dup-b         the same page under two URLs
  /canonical-variant     declares <link rel=canonical href=/canonical-target>
  /noindex-page          <meta name=robots content=noindex>, links to /via-noindex
  /huge                  a 10 MiB page
  /broken                unclosed, misnested HTML
  /latin1                ISO-8859-1 encoded page
  /deep/1 ... /deep/6    a chain of links deeper than the tests' max depth
  /plain.txt             text/plain
  /hidden-content        text in hidden/aria-hidden elements that must not be kept
  /orphan                only listed in the sitemap
  /xss                   (not linked) title and text that look like <script> markup, for the browser test
Test controls (not linked): /__log (JSON request log), /__mutate?path=P (changes a page),
/__gone?path=P (makes a page answer 410), /__hold?prefix=P&after=N (serves the first N requests
for paths under P, then holds every later one unanswered until /__release: a crawl that is
provably mid-way, whatever the machine's speed; held requests are logged with "held": true),
/__release, /__robots?status=N (robots.txt answers N from now on), /__reset.
"""
import gzip, hashlib, json, os, threading, time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler

import loopback
from urllib.parse import urlsplit, parse_qs

HERE = os.path.dirname(os.path.abspath(__file__))
TOPICS = json.load(open(os.path.join(HERE, "topics.json")))
LOCK = threading.Lock()
STATE = {"log": [], "flaky": 0, "mutated": set(), "gone": set(), "hold": None, "served": 0, "robots": 200}
RELEASED = threading.Event()
BOOT = time.time()

NAV = "<nav><a href='/'>Home</a> " + " ".join(
    f"<a href='/topics/{slug}?utm_source=nav&utm_medium=menu'>{t['title']}</a>" for slug, t in TOPICS.items()) + "</nav>"
HEADER = "<header><div class='logo'>Acme Garden Docs</div><p>HEADER-BOILERPLATE Subscribe to our newsletter</p></header>"
FOOTER = "<footer><p>FOOTER-BOILERPLATE Copyright Acme Garden Docs. All rights reserved.</p><a href='/'>Top</a></footer>"


def page(title, main, extra_head="", lang="en"):
    return (f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><title>{title}</title>{extra_head}</head>"
            f"<body>{HEADER}{NAV}<main>{main}</main><aside><p>ASIDE-BOILERPLATE Related ads</p></aside>{FOOTER}"
            "<script>var tracking = 'SCRIPT-TEXT';</script></body></html>")


def topic_html(slug):
    t = TOPICS[slug]
    body = f"<h1>{t['title']}</h1><p>{t['intro']}</p>"
    for section in t["sections"]:
        body += f"<h2>{section[0]}</h2>" + "".join(f"<p>{p}</p>" for p in section[1:])
    if slug in STATE["mutated"]:
        body += "<h2>Update</h2><p>This page was revised: gardeners now recommend checking the plants every morning.</p>"
    if slug == "composting":
        body += "<h3>Ratios at a glance</h3><table><tr><th>Material</th><th>Type</th></tr><tr><td>Grass clippings</td><td>green</td></tr><tr><td>Dry leaves</td><td>brown</td></tr></table>"
    if slug == "irrigation":
        body += "<h3>Timer settings</h3><pre>zone 1: 06:00  20 min\nzone 2: 06:30  15 min</pre>"
    body += "<ul>" + "".join(f"<li>See also <a href='/topics/{other}'>{TOPICS[other]['title']}</a></li>"
                             for other in list(TOPICS)[:3] if other != slug) + "</ul>"
    return page(t["title"], body)


def home_html(port):
    links = ["/private/secret", "/redirect-1", "/leave", "/missing", "/flaky", "/files/manual.pdf", "/images/logo.png",
             "/dup-a", "/dup-b", "/canonical-variant", "/noindex-page", "/huge", "/broken", "/latin1", "/deep/1",
             "/plain.txt", "/hidden-content", "mailto:team@example.org", "javascript:void(0)", "#top",
             "/topics/roses#pruning"]
    items = "".join(f"<li><a href='{href}'>{href}</a></li>" for href in links)
    main = ("<h1>Acme Garden Docs</h1><p>Welcome to the Acme garden documentation. These pages explain how to grow "
            "healthy plants, from roses to raised beds, with practical advice for every season. Each topic starts with "
            "the basics and goes on to the mistakes gardeners make most often, so beginners and experienced growers "
            "alike find what they need. The advice assumes a temperate climate with frost in winter.</p>"
            f"<ul>{items}</ul><p><a rel='nofollow' href='/nofollowed'>not followed</a></p>")
    return page("Acme Garden Docs", main)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body=b"", content_type="text/html; charset=utf-8", headers=None):
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_page(self, html, charset="utf-8", encode="utf-8"):
        body = html.encode(encode)
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            return self.send(304, b"", content_type=None, headers={"ETag": etag})
        self.send(200, body, f"text/html; charset={charset}", {"ETag": etag, "Last-Modified": formatdate(BOOT, usegmt=True)})

    def do_GET(self):
        url = urlsplit(self.path)
        path, query = url.path, parse_qs(url.query)
        host = self.headers.get("Host", "127.0.0.1")
        port = host.split(":")[-1]
        with LOCK:
            entry = {"path": self.path, "t": time.monotonic(), "ua": self.headers.get("User-Agent", ""),
                     "inm": self.headers.get("If-None-Match")}
            hold = STATE["hold"]
            if hold and path.startswith(hold["prefix"]) and not path.startswith("/__"):
                STATE["served"] += 1
                entry["held"] = STATE["served"] > hold["after"]
            STATE["log"].append(entry)
        if entry.get("held"):
            RELEASED.wait()
        if path == "/__log":
            with LOCK:
                return self.send(200, json.dumps(STATE["log"]).encode(), "application/json")
        if path == "/__reset":
            with LOCK:
                STATE.update(log=[], flaky=0, mutated=set(), gone=set(), hold=None, served=0, robots=200)
            RELEASED.set()
            return self.send(200, b"ok", "text/plain")
        if path == "/__hold":
            with LOCK:
                STATE.update(hold={"prefix": query["prefix"][0], "after": int(query["after"][0])}, served=0)
            RELEASED.clear()
            return self.send(200, b"ok", "text/plain")
        if path == "/__release":
            with LOCK:
                STATE["hold"] = None
            RELEASED.set()
            return self.send(200, b"ok", "text/plain")
        if path == "/__mutate":
            STATE["mutated"].add(query["path"][0].split("/")[-1])
            return self.send(200, b"ok", "text/plain")
        if path == "/__gone":
            STATE["gone"].add(query["path"][0])
            return self.send(200, b"ok", "text/plain")
        if path == "/__robots":
            with LOCK:
                STATE["robots"] = int(query["status"][0])
            return self.send(200, b"ok", "text/plain")
        if path in STATE["gone"]:
            return self.send(410, b"gone", "text/plain")
        if path == "/robots.txt" and STATE["robots"] != 200:
            return self.send(STATE["robots"], b"robots.txt is not available", "text/plain")
        if path == "/robots.txt":
            body = (f"User-agent: *\nDisallow: /private/\nCrawl-delay: 0.05\n\nUser-agent: BadBot\nDisallow: /\n\n"
                    f"Sitemap: http://{host}/sitemap.xml\n").encode()
            return self.send(200, body, "text/plain")
        if path == "/sitemap.xml":
            body = (f"<?xml version='1.0'?><sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
                    f"<sitemap><loc>http://{host}/sitemap-pages.xml.gz</loc></sitemap></sitemapindex>").encode()
            return self.send(200, body, "application/xml")
        if path == "/sitemap-pages.xml.gz":
            urls = ["/", "/orphan", "/topics/roses", "/topics/ferns"]
            xml = "<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>" + "".join(
                f"<url><loc>http://{host}{u}</loc></url>" for u in urls) + "</urlset>"
            return self.send(200, gzip.compress(xml.encode()), "application/gzip")
        if path == "/":
            return self.send_page(home_html(port))
        if path.startswith("/topics/") and path.split("/")[-1] in TOPICS:
            return self.send_page(topic_html(path.split("/")[-1]))
        if path.startswith("/private/"):
            return self.send_page(page("Secret", "<h1>Secret</h1><p>PRIVATE-TEXT that robots.txt forbids.</p>"))
        if path == "/redirect-1":
            return self.send(301, b"", None, {"Location": "/redirect-2"})
        if path == "/redirect-2":
            return self.send(302, b"", None, {"Location": f"http://{host}/redirect-final"})
        if path == "/redirect-final":
            return self.send_page(page("Redirect target", "<h1>Redirect target</h1><p>You reached the end of the redirect chain, which is where the text about moved pages lives.</p>"))
        if path == "/leave":
            return self.send(302, b"", None, {"Location": f"http://localhost:{port}/elsewhere"})
        if path == "/flaky":
            with LOCK:
                STATE["flaky"] += 1
                first = STATE["flaky"] == 1
            if first:
                return self.send(503, b"busy", "text/plain", {"Retry-After": "1"})
            return self.send_page(page("Flaky page", "<h1>Flaky page</h1><p>This page answered on the second attempt after a short outage of the server.</p>"))
        if path == "/files/manual.pdf":
            return self.send(200, b"%PDF-1.4 fake manual", "application/pdf")
        if path == "/images/logo.png":
            return self.send(200, b"\x89PNG\r\n\x1a\n fake", "image/png")
        if path in ("/dup-a", "/dup-b"):
            return self.send_page(page("Duplicated page", "<h1>Duplicated page</h1><p>This exact text is published at two different addresses on the site.</p>"))
        if path in ("/canonical-variant", "/canonical-target"):
            head = "<link rel='canonical' href='/canonical-target'>" if path == "/canonical-variant" else ""
            return self.send_page(page("Canonical page", "<h1>Canonical page</h1><p>Canonical content explaining seasonal planting calendars.</p>", extra_head=head))
        if path == "/noindex-page":
            return self.send_page(page("Hidden from search", "<h1>Not indexed</h1><p>NOINDEX-TEXT should not be stored.</p><a href='/via-noindex'>onward</a>",
                                       extra_head="<meta name='robots' content='noindex'>"))
        if path == "/via-noindex":
            return self.send_page(page("Reached through a noindex page", "<h1>Via noindex</h1><p>Links on a noindex page are still followed to reach this page.</p>"))
        if path == "/huge":
            chunk = b"<p>" + b"x" * 1020 + b"</p>"
            body = b"<html><body>" + chunk * (10 * 1024) + b"</body></html>"
            return self.send(200, body, "text/html")
        if path == "/broken":
            html = ("<html><head><title>Broken markup<body><div><p>Broken markup still yields this sentence"
                    "<div><span>and this one, despite <b><i>misnested</b></i> tags<p>and an unclosed paragraph"
                    "<table><tr><td>cell one<td>cell two</table>")
            return self.send(200, html.encode(), "text/html")
        if path == "/latin1":
            html = page("Cuisine française", "<h1>Crème brûlée</h1><p>Crème brûlée à la française, façon grand-mère, "
                        "est un dessert très apprécié en été.</p>", lang="fr").replace("charset='utf-8'", "charset='iso-8859-1'")
            return self.send_page(html, charset="ISO-8859-1", encode="latin-1")
        if path.startswith("/deep/"):
            n = int(path.split("/")[-1])
            more = f"<a href='/deep/{n + 1}'>deeper</a>" if n < 6 else ""
            return self.send_page(page(f"Deep page {n}", f"<h1>Deep page {n}</h1><p>This is level {n} of a long chain of pages about garden paths.</p>{more}"))
        if path == "/plain.txt":
            return self.send(200, b"Plain text notes\n\nWater the seedlings every second day.\n\nPLAIN-TEXT keep the greenhouse vented.",
                             "text/plain; charset=utf-8")
        if path == "/hidden-content":
            main = ("<h1>Visible heading</h1><p>Visible paragraph about pruning hedges in early summer.</p>"
                    "<div hidden><p>HIDDEN-TEXT attribute</p></div><div aria-hidden='true'>HIDDEN-TEXT aria</div>"
                    "<div style='display: none'>HIDDEN-TEXT style</div><form><label>FORM-TEXT name</label><input name='q'></form>"
                    "<noscript>NOSCRIPT-TEXT</noscript><template>TEMPLATE-TEXT</template>")
            return self.send_page(page("Hidden content", main))
        if path == "/xss":
            # Text that looks like markup (escaped in the HTML, so it is page text after
            # parsing): the web UI must show it as text and never run it.
            script = "&lt;script&gt;alert(1)&lt;/script&gt;"
            main = (f"<h1>Nasturtium trap crops {script}</h1>"
                    f"<p>Nasturtiums work as a trap crop: aphids prefer them and leave the broad beans alone {script}.</p>"
                    "<p>Sow the nasturtiums a few weeks before the beans &lt;img src=x onerror=alert(2)&gt; so they are ready.</p>")
            return self.send_page(page(f"Nasturtium trap crops {script}", main))
        if path == "/orphan":
            return self.send_page(page("Orphan page", "<h1>Orphan page</h1><p>Only the sitemap links to this page about garden sheds.</p>"))
        return self.send(404, b"not found", "text/plain")

    do_HEAD = do_GET


if __name__ == "__main__":
    loopback.main(Handler)
