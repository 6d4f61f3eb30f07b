"""The upload steps of the browser test (browser_test.py): a Markdown file dropped on the
upload zone goes in as a job, is answered and cited by file and heading, opens in the source
panel, is listed in the collections table and removed from there after a confirmation."""
import os

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from browser_support import ask, fail, step, wait_job


def upload_steps(b):
    d = b.driver
    step("upload: a Markdown file dropped on the zone goes in as a job and is answered, cited by file and heading")
    d.find_element(By.ID, "tab-ingest").click()
    b.type("upload-collection", "manuals")
    document = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures", "documents", "pump-notes.md")
    # Selenium cannot drag a file from the desktop: a detached file input holds it, and a real
    # DataTransfer carries it in dragover + drop events to the zone (the page's drop handler runs).
    holder = d.execute_script("const input = document.createElement('input'); input.type = 'file'; input.id = 'drag-source';"
                              "input.style.display = 'none'; document.body.append(input); return input;")
    holder.send_keys(os.path.abspath(document))
    d.execute_script("""
        const [zone, input] = arguments;
        const transfer = new DataTransfer();
        for (const file of input.files) transfer.items.add(file);
        for (const type of ['dragover', 'drop']) zone.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
        input.remove();
    """, d.find_element(By.ID, "doc-dropzone"), holder)
    b.wait(lambda d: "pump-notes.md — markdown" in d.find_element(By.ID, "upload-files").text, 30, "the file to be accepted")
    card = wait_job(b, "pump-notes.md", 300)
    if "1 of 1 files read" not in card.find_element(By.CSS_SELECTOR, ".job-stats").text:
        fail(f"the upload's progress does not count files: {card.text}")
    step("screenshots: " + b.section_screenshot("upload-1280x800", 1280, 800, False, "upload-form"))
    step("screenshots: " + b.section_screenshot("upload-375x800", 375, 800, True, "upload-form"))
    b.set_viewport(1280, 800, mobile=False)
    d.find_element(By.ID, "tab-ask").click()
    b.wait(lambda d: "manuals" in [o.get_attribute("value") for o in d.find_elements(By.CSS_SELECTOR, "#ask-collection option")],
           10, "the new collection in the picker")
    Select(d.find_element(By.ID, "ask-collection")).select_by_value("manuals")
    ask(b, "What is the flow rate of pump B?")
    if "310 litres per second" not in d.find_element(By.ID, "answer").text:
        fail(f"the upload's table row is not the answer: {d.find_element(By.ID, 'answer').text!r}")
    citation = d.find_element(By.CSS_SELECTOR, "#citations li")
    if "pump-notes.md" not in citation.find_element(By.CSS_SELECTOR, ".url").text or "Pump ratings" not in citation.text:
        fail(f"the citation does not name the file and its heading: {citation.text!r}")
    citation.find_element(By.CSS_SELECTOR, ".in-context").click()
    b.wait(lambda d: "pump-notes.md" in d.find_element(By.ID, "passage-title").text, 10, "the uploaded passage in its context")
    if d.find_element(By.ID, "passage-link").is_displayed():
        fail("an uploaded file has no original page to link to")
    step("screenshots: " + b.viewport_screenshot("upload-passage-1280x800", 1280, 800, mobile=False))
    d.find_element(By.ID, "passage-close").click()
    b.wait(lambda d: d.find_element(By.ID, "passage").get_attribute("open") is None, 5, "the panel to close")

    step("collections list the uploaded file; Remove takes it out after a confirmation")
    d.find_element(By.ID, "tab-collections").click()
    b.wait(lambda d: any("pump-notes.md · uploaded, 1 page" in line.text for line in d.find_elements(By.CSS_SELECTOR, "#collections .file-line")),
           10, "the uploaded file in the collections table")
    step("screenshots: " + b.viewport_screenshot("collections-files-1280x800", 1280, 800, mobile=False))
    d.find_element(By.CSS_SELECTOR, "#collections .file-line button").click()
    b.wait(lambda d: d.find_element(By.ID, "confirm").get_attribute("open") is not None, 5, "the confirmation dialog")
    d.find_element(By.ID, "confirm-ok").click()
    b.wait(lambda d: not d.find_elements(By.CSS_SELECTOR, "#collections .file-line"), 10, "the file to be removed")
