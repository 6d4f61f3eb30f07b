#!/usr/bin/env python3
"""Drives the NexTraction web UI in real headless Chromium (Debian's chromium and
chromium-driver, Selenium from the venv `make test` creates) against a real server and the
fixture site. Run by `BrowserUITests` (Swift), which starts both servers.

Usage: browser_test.py --base http://127.0.0.1:PORT --site http://127.0.0.1:PORT --shots DIR

Steps (each one fails the run if it fails): register; log out; a wrong password shows an
inline error; log in; ingest the fixture site and watch the progress bar reach 100 %;
open the per-URL log; ingest the hostile /xss page; ask a question (Enter) and get an
answer whose citation links to the right page, with screenshots at 1280x800 and 375x800;
ask about the hostile page: its <script> text shows as text and never runs; the history
lists both questions; collections show counts and delete after confirmation; a Markdown file
dropped on the upload zone is answered with its file and heading; log out
revokes the token. Any error in the browser console fails the run (except the one 401 the
wrong-password step provokes on purpose).
"""
import argparse, json, os, re

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from browser_support import Browser, ask, fail, http, step, wait_job
from browser_uploads import upload_steps

EMAIL = "browser@example.com"
PASSWORD = "correct horse battery"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--site", required=True)
    parser.add_argument("--shots", required=True)
    args = parser.parse_args()
    b = Browser(args.base, args.shots)
    try:
        run(b, args)
    finally:
        b.driver.quit()


def run(b, args):
    d = b.driver
    d.get(args.base + "/")
    b.visible("login-form")
    step("register")
    b.type("register-email", EMAIL)
    b.type("register-password", PASSWORD)
    b.find("#register-form button[type=submit]").click()
    b.visible("app")
    b.wait(lambda d: d.find_element(By.ID, "who").text == EMAIL, 10, "the signed-in email in the header")
    if d.execute_script("return document.getElementById('ask-empty').hidden") is not False:
        fail("with no collection, the Ask view does not say to add a website first")

    step("log out, then a wrong password shows an inline error")
    d.find_element(By.ID, "logout").click()
    b.visible("login-form")
    b.type("login-email", EMAIL)
    b.type("login-password", "not the password")
    b.find("#login-form button[type=submit]").click()
    b.wait(lambda d: "invalid" in d.find_element(By.ID, "login-error").text.lower(), 10, "the wrong-password message")
    message = d.find_element(By.ID, "login-error").text
    if not (message[0].isupper() and message.endswith(".")):
        fail(f"the server's message is not shown as a sentence: {message!r}")
    b.type("register-email", "someone-else@example.com")
    if d.find_element(By.ID, "login-error").text:
        fail("the old login error stays visible while registering")
    b.type("register-email", "")
    b.type("login-password", "not the password")
    b.find("#login-form button[type=submit]").click()
    b.wait(lambda d: "invalid" in d.find_element(By.ID, "login-error").text.lower(), 10, "the wrong-password message again")
    expected = b.severe(b.drain_console())
    if any("401" not in e["message"] for e in expected) or len(expected) > 2:
        fail(f"unexpected console errors while signing in wrongly: {expected}")

    step("log in")
    b.type("login-password", PASSWORD)
    b.find("#login-form button[type=submit]").click()
    b.visible("app")
    token = d.execute_script("return sessionStorage.getItem('nextraction.token')")
    if not token:
        fail("no token in sessionStorage after logging in")

    step("ingest the fixture site and watch the progress bar")
    d.find_element(By.ID, "tab-ingest").click()
    b.visible("ingest-form")
    b.type("ingest-url", args.site + "/")
    b.type("ingest-collection", "garden")
    b.type("ingest-max-pages", "30")
    b.type("ingest-max-depth", "2")
    Select(d.find_element(By.ID, "ingest-refresh")).select_by_value("24h")
    b.find("#ingest-form button[type=submit]").click()
    b.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "#jobs .job"), 10, "the job to appear in the list")
    # While it runs, the bar measures against the job's limit (30), never the pages discovered.
    def measured(d):
        for meter in d.find_elements(By.CSS_SELECTOR, "#jobs .job [role=progressbar]"):
            text = meter.get_attribute("aria-valuetext") or ""
            match = re.search(r"(\d+)% — (\d+) of (\d+) pages", text)
            if match:
                value, done, total = map(int, match.groups())
                if total > 30 or done > total:
                    fail(f"the progress bar counts against more than the job's limit: {text!r}")
                if value != 100 and value != min(99, done * 100 // total):
                    fail(f"the percentage does not match done/limit: {text!r}")
                return True
        return False
    b.wait(measured, 60, "the progress bar's value")
    card = wait_job(b, args.site + "/", 600)
    stats = card.find_element(By.CSS_SELECTOR, ".job-stats").text
    if "(limit 30," not in stats:
        fail(f"the job statistics do not name the limit: {stats!r}")
    step("screenshots: " + b.viewport_screenshot("ingest-1280x800", 1280, 800, mobile=False))
    if "chunks" not in stats or "pages/s" not in stats:
        fail(f"the job statistics are incomplete: {stats!r}")
    if card.find_element(By.CSS_SELECTOR, ".badge").text.lower() != "completed":
        fail("the status badge does not say completed")
    card.find_element(By.CSS_SELECTOR, "summary").click()
    b.wait(lambda d: any("skipped" in li.text or "fetched" in li.text for li in card.find_elements(By.CSS_SELECTOR, ".job-log li")),
           15, "the per-URL log")
    Select(card.find_element(By.CSS_SELECTOR, ".log-tools select")).select_by_value("skipped")
    def only_skipped(d):
        rows = [li.find_element(By.CSS_SELECTOR, ".st").text for li in card.find_elements(By.CSS_SELECTOR, ".job-log li")
                if li.find_elements(By.CSS_SELECTOR, ".st")]
        return rows and all(row == "skipped" for row in rows)
    b.wait(only_skipped, 10, "the log filtered to skipped pages")

    step("ingest the hostile page")
    b.type("ingest-url", args.site + "/xss")
    b.type("ingest-collection", "garden")
    b.type("ingest-max-pages", "1")
    b.type("ingest-max-depth", "0")
    b.find("#ingest-form button[type=submit]").click()
    wait_job(b, "/xss", 60)

    step("ask a question")
    d.find_element(By.ID, "tab-ask").click()
    b.visible("ask-form")
    Select(d.find_element(By.ID, "ask-collection")).select_by_value("garden")
    ask(b, "When is the best time of year to cut back rose bushes?")
    if not d.find_element(By.ID, "answer-status").get_attribute("hidden"):
        fail("the rose question was not answered: " + d.find_element(By.ID, "answer").text)
    answer = d.find_element(By.ID, "answer-text").text
    if "[1]" not in answer:
        fail(f"the answer has no citation marker: {answer!r}")
    first = d.find_element(By.CSS_SELECTOR, "#citations li a")
    href = first.get_attribute("href")
    if not href.endswith("/topics/roses"):
        fail(f"the first citation links to {href}, not /topics/roses")
    if first.get_attribute("target") != "_blank" or "noopener" not in (first.get_attribute("rel") or ""):
        fail("citation links must open in a new tab without an opener")
    if not d.find_elements(By.CSS_SELECTOR, "#citations mark"):
        fail("the snippet highlights none of the question's words")
    if "ms" not in d.find_element(By.ID, "answer-timings").text:
        fail("no timings under the answer")
    if d.find_element(By.ID, "sources-section").get_attribute("hidden") is not None:
        fail("the answer shows no source pages")
    if d.find_element(By.ID, "sources-title").text != "Sources":
        fail("the source list of an answer is not titled Sources")
    sources = [a.get_attribute("href") for a in d.find_elements(By.CSS_SELECTOR, "#sources li a")]
    if not sources or not sources[0].endswith("/topics/roses") or len(sources) > 5:
        fail(f"the sources should start with /topics/roses and list at most 5 pages: {sources}")
    step("the source panel: a citation's passage in its page's context")
    d.find_element(By.CSS_SELECTOR, "#citations li .in-context").click()
    b.wait(lambda d: d.find_element(By.ID, "passage").get_attribute("open") is not None, 10, "the passage panel")
    b.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "#passage-text section.target"), 10, "the passage's text")
    target = d.find_element(By.CSS_SELECTOR, "#passage-text section.target").text
    if "late winter" not in target:
        fail(f"the panel does not show the cited passage: {target!r}")
    if not d.find_element(By.ID, "passage-link").get_attribute("href").endswith("/topics/roses"):
        fail("the panel does not link to the original page")
    step("screenshots: " + b.viewport_screenshot("passage-1280x800", 1280, 800, mobile=False))
    d.find_element(By.ID, "passage-close").click()
    b.wait(lambda d: d.find_element(By.ID, "passage").get_attribute("open") is None, 5, "the panel to close")

    step("screenshots: " + b.viewport_screenshot("ask-1280x800", 1280, 800, mobile=False))
    step("screenshots: " + b.viewport_screenshot("ask-375x800", 375, 800, mobile=True))
    if not d.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1"):
        fail("the page does not fit 375 px without horizontal scrolling")
    b.set_viewport(1280, 800, mobile=False)

    step("all collections at once: answered from the one that fits")
    options = [o.get_attribute("value") for o in d.find_elements(By.CSS_SELECTOR, "#ask-collection option")]
    if "*" in options:   # only offered with more than one collection
        fail("'All collections' is offered with a single collection")

    step("a follow-up in the same conversation is answered in its context")
    ask(b, "And how do I keep them healthy?")
    hrefs = [a.get_attribute("href") for a in d.find_elements(By.CSS_SELECTOR, "#citations li a")]
    if not any(h.endswith("/topics/roses") for h in hrefs):
        fail(f"the follow-up was not answered from the roses page: {hrefs}")

    step("a question the pages do not cover: not found, with the closest pages")
    ask(b, "How do I configure a Kubernetes ingress controller?")
    status = d.find_element(By.ID, "answer-status")
    if status.get_attribute("hidden") is not None or "Not found in these pages" not in status.text:
        fail(f"the off-topic question was not shown as not found: {d.find_element(By.ID, 'answer').text!r}")
    if d.find_element(By.ID, "sources-title").text != "Closest pages" or not d.find_elements(By.CSS_SELECTOR, "#sources li a"):
        fail("an abstention must list the closest pages")
    if d.find_elements(By.CSS_SELECTOR, "#citations li"):
        fail("an abstention must not show citations")
    step("screenshots: " + b.viewport_screenshot("notfound-1280x800", 1280, 800, mobile=False))

    step("the hostile page shows as text and never runs")
    ask(b, "Which flower works as a trap crop for aphids?")
    b.no_alert()
    titles = [a.text for a in d.find_elements(By.CSS_SELECTOR, "#citations li a")]
    if not any("<script>alert(1)</script>" in t for t in titles):
        fail(f"the hostile title is not shown as text: {titles}")
    if d.find_elements(By.CSS_SELECTOR, "#answer script, #answer img, #history script"):
        fail("markup from the hostile page became elements")
    scripts = d.execute_script("return Array.from(document.scripts, (s) => new URL(s.src).pathname)")
    if scripts != ["/dom.js", "/app.js", "/upload.js", "/plans.js", "/keys.js"]:
        fail(f"a script element was added to the page: {scripts}")
    b.no_alert()

    step("the conversation lists the questions, survives a reload, and reopens an answer")
    history = d.find_elements(By.CSS_SELECTOR, "#history li button")
    if len(history) != 4:
        fail(f"the conversation holds {len(history)} questions, not 4")
    d.refresh()
    b.visible("app", 15)
    b.wait(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#history li button")) == 4, 10, "the conversation after a reload")
    if "rose bushes" not in Select(d.find_element(By.ID, "conversation-picker")).first_selected_option.text:
        fail("the conversation picker does not show the reopened conversation")
    history = d.find_elements(By.CSS_SELECTOR, "#history li button")
    history[0].click()   # the first question (a conversation reads oldest first)
    b.wait(lambda d: "rose" in d.find_element(By.ID, "answer-question").text.lower(), 5, "the earlier answer to show again")
    if not d.find_element(By.CSS_SELECTOR, "#citations li a").get_attribute("href").endswith("/topics/roses"):
        fail("the reopened answer lost its citation")
    step("screenshots: " + b.viewport_screenshot("conversation-1280x800", 1280, 800, mobile=False))

    step("finished jobs can be cleared from the list")
    d.find_element(By.ID, "tab-ingest").click()
    b.visible("clear-finished", 10)
    d.find_element(By.ID, "clear-finished").click()
    b.visible("jobs-empty", 10)

    step("plans: the quota shows, a dropped-in plan file is uploaded and listed")
    d.find_element(By.ID, "tab-plans").click()
    b.wait(lambda d: d.find_element(By.ID, "quota-line").text.startswith("Generations left: "), 10, "the quota line")
    plan_path = os.path.join(b.shots, "browser-plan.json")
    with open(plan_path, "w") as f:
        json.dump({"title": "Browser plan", "steps": [{"id": "a", "prompt": "Say hi."}, {"id": "b", "prompt": "Say bye.", "depends_on": ["a"]}]}, f)
    d.find_element(By.ID, "plan-file").send_keys(plan_path)
    b.wait(lambda d: "Browser plan (2 steps)" in d.find_element(By.ID, "plan-select").text, 10, "the uploaded plan in the list")
    # This server has no language model: the view says so up front and Run is off.
    b.visible("plans-llm", 10)
    if d.find_element(By.ID, "run-plan").is_enabled():
        fail("Run is enabled although no language model is configured")
    step("screenshots: " + b.viewport_screenshot("plans-1280x800", 1280, 800, mobile=False))

    step("collections: counts, then delete with confirmation")
    d.find_element(By.ID, "tab-collections").click()
    def garden_row(d):
        # The table is re-rendered when the view opens: read and click in one go (a stale row is retried).
        for row in d.find_elements(By.CSS_SELECTOR, "#collections tr"):
            cells = [td.text for td in row.find_elements(By.TAG_NAME, "td")]
            if cells and cells[0] == "garden":
                if int(cells[1]) < 10 or int(cells[2]) < 10:
                    fail(f"implausible counts for garden: {cells}")
                [button for button in row.find_elements(By.TAG_NAME, "button") if button.text == "Delete"][0].click()
                return True
        return False
    def garden_sources(d):
        for row in d.find_elements(By.CSS_SELECTOR, "#collections tr"):
            cells = row.find_elements(By.TAG_NAME, "td")
            if cells and cells[0].text == "garden":
                return "every 1 d" in cells[3].text and "next" in cells[3].text and args.site in cells[3].text
        return False
    b.wait(garden_sources, 10, "the garden collection's source with its daily schedule")
    resync = [button for button in d.find_elements(By.CSS_SELECTOR, "#collections button") if button.text == "Re-sync now"]
    if not resync:
        fail("no Re-sync now button")
    resync[0].click()
    b.wait(lambda d: any(button.text == "Re-sync queued" for button in d.find_elements(By.CSS_SELECTOR, "#collections button")),
           10, "the re-sync to be queued")
    step("screenshots: " + b.viewport_screenshot("collections-1280x800", 1280, 800, mobile=False))
    d.find_element(By.ID, "tab-ingest").click()
    b.wait(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#jobs .job")) >= 1
           and all(card.get_attribute("data-status") == "completed" for card in d.find_elements(By.CSS_SELECTOR, "#jobs .job")),
           600, "the re-sync job to complete")
    d.find_element(By.ID, "tab-collections").click()
    b.wait(garden_row, 10, "the garden collection row")
    b.wait(lambda d: d.find_element(By.ID, "confirm").get_attribute("open") is not None, 5, "the confirmation dialog")
    d.find_element(By.ID, "confirm-ok").click()
    b.visible("collections-empty", 10)

    upload_steps(b)

    step("API keys: create one, shown once, works as a Bearer token; revoke it with confirmation")
    d.find_element(By.ID, "tab-keys").click()
    b.visible("keys-empty", 10)
    b.type("key-name", "browser script")
    d.find_element(By.CSS_SELECTOR, "#key-form button[type=submit]").click()
    b.visible("new-key", 10)
    key = d.find_element(By.ID, "new-key-value").get_attribute("value")
    if not key.startswith("nex_") or len(key) < 47:
        fail(f"the new key does not look like a key: {key!r}")
    d.find_element(By.ID, "copy-key").click()
    b.wait(lambda d: d.find_element(By.ID, "copy-status").text != "", 5, "the copy confirmation")
    b.wait(lambda d: key[:12] in d.find_element(By.ID, "keys").text and "read" in d.find_element(By.ID, "keys").text, 10,
           "the key in the list by its prefix")
    if key in d.find_element(By.ID, "keys").text:
        fail("the key list shows the whole key")
    if http("GET", args.base + "/collections", key) != 200:
        fail("the new read key does not work")
    step("screenshots: " + b.viewport_screenshot("keys-1280x800", 1280, 800, mobile=False))
    d.find_element(By.CSS_SELECTOR, "#keys button").click()
    b.wait(lambda d: d.find_element(By.ID, "confirm").get_attribute("open") is not None, 5, "the revoke confirmation")
    if "Revoke" not in d.find_element(By.ID, "confirm-title").text:
        fail("the confirmation does not say what it revokes: " + d.find_element(By.ID, "confirm-title").text)
    d.find_element(By.ID, "confirm-ok").click()
    b.visible("keys-empty", 10)
    if http("GET", args.base + "/collections", key) != 401:
        fail("the revoked key still works")

    step("API docs: rendered from /openapi.json, grouped, and Try it answers with the session token")
    d.get(args.base + "/docs")
    b.wait(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#docs-groups section.group")) >= 6, 15, "the endpoint groups")
    text = d.find_element(By.ID, "docs-groups").text
    for needle in ["/v1/chat/completions", "/auth/keys", "/mcp", "Questions"]:
        if needle not in text:
            fail(f"the docs page lacks {needle!r}")
    if not d.find_element(By.ID, "docs-token").get_attribute("value"):
        fail("the docs page did not fill in the session token")
    me = d.find_element(By.ID, "get--auth-me")
    me.find_element(By.TAG_NAME, "summary").click()
    me.find_element(By.CSS_SELECTOR, "form.try button").click()
    b.wait(lambda d: d.find_element(By.ID, "get--auth-me").find_element(By.CSS_SELECTOR, "form.try pre").text.startswith("200"),
           10, "Try it to answer 200")
    step("screenshots: " + b.viewport_screenshot("docs-1280x800", 1280, 800, mobile=False))
    d.get(args.base + "/")
    b.visible("app", 15)

    step("log out revokes the token")
    d.find_element(By.ID, "logout").click()
    b.visible("login-form")
    if d.execute_script("return sessionStorage.getItem('nextraction.token')"):
        fail("the token is still in sessionStorage after logging out")
    status = http("GET", args.base + "/auth/me", token)
    if status != 401:
        fail(f"the logged-out token still works (GET /auth/me → {status})")

    errors = b.severe(b.drain_console())
    if errors:
        fail("the browser console shows errors: " + json.dumps(errors, indent=1))
    step("all steps passed")


if __name__ == "__main__":
    main()
