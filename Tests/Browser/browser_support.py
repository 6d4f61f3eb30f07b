"""What the browser test's steps share: the Selenium-driven Chromium (waits, screenshots,
console), and the steps' small helpers."""
import os, sys, urllib.error, urllib.request

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait


def step(message):
    print(f"[browser] {message}", flush=True)


def fail(message):
    print(f"[browser] FAILED: {message}", flush=True)
    sys.exit(1)


class Browser:
    def __init__(self, base, shots):
        self.base, self.shots = base, shots
        options = webdriver.ChromeOptions()
        options.binary_location = os.environ.get("CHROMIUM_BINARY", "/usr/bin/chromium")
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         "--window-size=1280,800", "--force-device-scale-factor=1", "--lang=en-US"):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        service = Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
        self.driver = webdriver.Chrome(service=service, options=options)
        self.driver.set_page_load_timeout(120)
        self.console = []

    def wait(self, condition, timeout=20, message="condition"):
        # Every wait polls a condition; the timeout only bounds a failure. A loaded CI machine
        # (or the rest of the suite running beside this test) can take far longer than the
        # typical figure a call site names, so none waits less than two minutes.
        timeout = max(timeout, 120)
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.2,
                                 ignored_exceptions=[StaleElementReferenceException]).until(condition)
        except TimeoutException:
            self.screenshot("failure")
            fail(f"timed out waiting for {message}")

    def visible(self, element_id, timeout=20):
        return self.wait(EC.visibility_of_element_located((By.ID, element_id)), timeout, f"#{element_id} to be visible")

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def type(self, element_id, text):
        field = self.driver.find_element(By.ID, element_id)
        field.clear()
        field.send_keys(text)

    def screenshot(self, name):
        # Finite CSS transitions still running (a progress bar growing to its width) end first,
        # so the picture shows the page's state, not a frame of its animation.
        self.driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            const finite = document.getAnimations().filter(a => a.effect && a.effect.getComputedTiming().endTime !== Infinity);
            Promise.all(finite.map(a => a.finished)).then(() => done(), () => done());
        """)
        os.makedirs(self.shots, exist_ok=True)
        path = os.path.join(self.shots, f"{name}.png")
        self.driver.save_screenshot(path)
        return path

    def set_viewport(self, width, height, mobile):
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                    {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})

    def viewport_screenshot(self, name, width, height, mobile):
        """A screenshot of exactly width x height CSS pixels, scrolled to the top of the page."""
        self.set_viewport(width, height, mobile)
        self.driver.execute_script("window.scrollTo(0, 0)")
        return self.screenshot(name)

    def section_screenshot(self, name, width, height, mobile, element_id):
        """A width x height screenshot scrolled to the top of one section of the page."""
        self.set_viewport(width, height, mobile)
        self.driver.execute_script("document.getElementById(arguments[0]).scrollIntoView({ block: 'start' })", element_id)
        return self.screenshot(name)

    def drain_console(self):
        entries = self.driver.get_log("browser")
        self.console.extend(entries)
        return entries

    def severe(self, entries):
        return [e for e in entries if e.get("level") == "SEVERE"]

    def no_alert(self):
        try:
            alert = self.driver.switch_to.alert
            text = alert.text
            alert.dismiss()
            fail(f"a JavaScript alert ran: {text!r}")
        except NoAlertPresentException:
            pass


def http(method, url, token):
    request = urllib.request.Request(url, method=method, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def wait_job(b, url_suffix, timeout):
    """Waits for the job card of `url_suffix` to show completed with the bar at 100 %."""
    def done(driver):
        for card in driver.find_elements(By.CSS_SELECTOR, "#jobs .job"):
            url = card.find_element(By.CSS_SELECTOR, ".job-url").text
            if url.endswith(url_suffix):
                status = card.get_attribute("data-status")
                if status in ("failed", "cancelled"):
                    fail(f"the job for {url} ended {status}: {card.text}")
                meter = card.find_element(By.CSS_SELECTOR, "[role=progressbar]")
                if status == "completed" and meter.get_attribute("aria-valuenow") == "100":
                    return card
        return False
    return b.wait(done, timeout, f"the ingest of {url_suffix} to complete")


def ask(b, question):
    before = len(b.driver.find_elements(By.CSS_SELECTOR, "#history li"))
    field = b.driver.find_element(By.ID, "ask-question")
    field.clear()
    field.send_keys(question)
    field.send_keys(Keys.ENTER)   # Enter sends
    b.wait(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#history li")) == before + 1, 30, f"an answer to {question!r}")
    b.wait(lambda d: d.find_element(By.ID, "answer").get_attribute("aria-busy") == "false", 10, "the answer to finish")
