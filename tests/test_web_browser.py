"""The web app in a real browser (headless Chromium): a clinician's visit, a pharmacy upload, axe-core.

Runs wherever Debian's chromium and chromium-driver are installed (CI installs
them); elsewhere every test here is skipped with that reason. axe-core comes
from npm (.ci/run installs it; set AXE_CORE_JS to its axe.min.js) or, failing
that, from the axe-selenium-python wheel.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import ROOT, base_rx, dump

sys.path.insert(0, str(ROOT / "bench"))
from bench_web import serving  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER), reason=(
    "browser tests skipped: no Chromium here (install Debian's chromium and chromium-driver to run them)"))

if CHROMIUM and DRIVER:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import Select, WebDriverWait

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
NPM_AXE = Path.home() / ".cache" / "handouts-axe" / "node_modules" / "axe-core" / "axe.min.js"


def axe_script() -> Path:
    for candidate in (os.environ.get("AXE_CORE_JS"), NPM_AXE):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    import axe_selenium_python
    return Path(axe_selenium_python.__file__).parent / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def server():
    """`handout serve` as a user starts it, on a free loopback port."""
    with serving("--workers", "2") as (url, log):
        yield url
    log.seek(0)
    text = log.read().decode()
    assert '"GET / HTTP' not in text and '"GET /" 200' in text    # the access log is there…
    assert "Maria" not in text and "Rivera" not in text, text     # …and says nothing about the patient


@pytest.fixture(scope="module")
def browser():
    downloads = tempfile.mkdtemp(prefix="handouts-browser-")
    profile = tempfile.mkdtemp(prefix="handouts-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument("--window-size=1280,1000")
    options.add_experimental_option("prefs", {"download.default_directory": downloads,
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.downloads = Path(downloads)
    yield driver
    driver.quit()
    shutil.rmtree(downloads, ignore_errors=True)
    shutil.rmtree(profile, ignore_errors=True)


def wait(driver, seconds=20):
    return WebDriverWait(driver, seconds)


def downloaded(driver, suffix: str, before: set[str] = frozenset()) -> Path:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        done = [p for p in driver.downloads.glob(f"*{suffix}") if p.name not in before]
        if done and not list(driver.downloads.glob("*.crdownload")):
            return done[0]
        time.sleep(0.1)
    raise AssertionError(f"no {suffix} downloaded")


def field(driver, path: str):
    return driver.find_element(By.CSS_SELECTOR, f'[data-path="{path}"]')


def error_of(driver, element) -> str:
    """The message linked to a field through aria-describedby."""
    texts = []
    for ident in (element.get_attribute("aria-describedby") or "").split():
        shown = driver.find_element(By.ID, ident)
        if ident.startswith("e-") and shown.is_displayed():
            texts.append(shown.text)
    return " ".join(texts)


def check_axe(driver, where: str) -> None:
    driver.execute_script(axe_script().read_text(encoding="utf-8"))
    results = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']})"
        ".then(done, (e) => done({violations: [{id: 'axe failed', help: String(e), nodes: []}]}));")
    found = [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in results["violations"]]
    assert found == [], f"{where}: {json.dumps(found, indent=1)}"


def fill_like_a_clinician(driver, name: str) -> None:
    field(driver, "patient.name").send_keys(name)
    field(driver, "patient.weight").send_keys("62 kg")
    Select(field(driver, "medication")).select_by_visible_text("vitamin B12 (cyanocobalamin)")
    Select(field(driver, "route")).select_by_visible_text("intramuscular")
    field(driver, "dose").send_keys("1000 mcg")
    for site in ("Left outer thigh", "Right outer thigh"):
        driver.find_element(By.XPATH, f'//label[text()="{site}"]').click()
    Select(field(driver, "needle.gauge")).select_by_visible_text("23 gauge")
    Select(field(driver, "needle.length")).select_by_visible_text("1 in (25 mm)")
    field(driver, "schedule.start").send_keys("12012026")
    field(driver, "schedule.phases.0.every").send_keys("1 week")
    field(driver, "schedule.phases.0.count").send_keys("4")
    driver.find_element(By.CSS_SELECTOR, "[data-add]").send_keys(Keys.ENTER)       # a second phase
    field(driver, "schedule.phases.1.every").send_keys("1 month")
    prescriber = field(driver, "prescriber.name")
    prescriber.clear()
    prescriber.send_keys("Dr. Aisha Chen")
    for path, value in (("prescriber.phone", "555-010-4477"), ("emergency_number", "999")):
        box = field(driver, path)
        box.clear()
        box.send_keys(value)


def test_a_clinician_fills_the_form_previews_and_downloads(server, browser):
    browser.get(server + "/")
    check_axe(browser, "empty form")
    fill_like_a_clinician(browser, "Maria Rivera")
    assert field(browser, "schedule.start").get_attribute("value") == "2026-12-01"
    before = {p.name for p in browser.downloads.iterdir()}
    browser.find_element(By.ID, "preview").click()
    wait(browser).until(ready.text_to_be_present_in_element((By.ID, "status"), "Handout ready"))
    pages = browser.find_elements(By.CSS_SELECTOR, "#pages img")
    assert pages and all(img.get_attribute("alt").startswith("Page ") for img in pages)
    assert browser.execute_script("return [...document.querySelectorAll('#pages img')].every(i => i.naturalWidth > 0)")
    check_axe(browser, "form with preview")
    browser.find_element(By.ID, "download").click()
    pdf = PdfReader(downloaded(browser, ".pdf", before))
    text = " ".join(page.extract_text() for page in pdf.pages)
    assert "Maria Rivera" in text and "Dr. Aisha Chen" in text and "thigh" in text
    assert len(pdf.pages) == len(pages)
    assert pdf.metadata.title and "Maria Rivera" not in browser.execute_script("return JSON.stringify(localStorage)")

    password = browser.find_element(By.ID, "password")
    password.send_keys("sunflower 42")
    before = {p.name for p in browser.downloads.iterdir()}
    browser.find_element(By.ID, "patient-download").click()
    copy = PdfReader(downloaded(browser, "-protected.pdf", before))
    assert copy.is_encrypted and copy.decrypt("sunflower 42") and "Maria Rivera" in copy.pages[0].extract_text()

    # the clinic's details are remembered for the next patient; the patient's are not
    browser.get(server + "/")
    assert field(browser, "prescriber.name").get_attribute("value") == "Dr. Aisha Chen"
    assert field(browser, "emergency_number").get_attribute("value") == "999"
    assert field(browser, "patient.name").get_attribute("value") == ""


# Records print() on a frame's window instead of opening the print dialog, which would block a
# headless browser; everything up to that call runs as it does for a clinician.
PRINT_SPY = """
window.printed = [];
window.blobs = {};
const createObjectURL = URL.createObjectURL;
URL.createObjectURL = (blob) => { const url = createObjectURL(blob); window.blobs[url] = blob; return url; };
const real = Object.getOwnPropertyDescriptor(HTMLIFrameElement.prototype, "contentWindow").get;
Object.defineProperty(HTMLIFrameElement.prototype, "contentWindow", {configurable: true, get() {
  const frame = this, win = real.call(this);
  return new Proxy(win, {get(target, key) {
    if (key === "print") return () => window.printed.push({src: frame.src, type: frame.contentDocument.contentType});
    const value = Reflect.get(target, key);
    return typeof value === "function" ? value.bind(target) : value;
  }});
}});
"""
BLOB_BYTES = """
const done = arguments[arguments.length - 1];
window.blobs[arguments[0]].arrayBuffer().then((b) => {
  let s = ""; new Uint8Array(b).forEach((c) => { s += String.fromCharCode(c); }); done(btoa(s));
}, (e) => done(String(e)));
"""


def test_print_prints_the_handout_pdf(server, browser):
    browser.get(server + "/")
    fill_like_a_clinician(browser, "Maria Rivera")
    browser.execute_script(PRINT_SPY)
    browser.find_element(By.ID, "print").send_keys(Keys.ENTER)        # no preview first: Print makes the handout
    printed = wait(browser).until(lambda d: d.execute_script("return window.printed"))
    assert len(printed) == 1 and printed[0]["src"].startswith("blob:")
    assert printed[0]["type"] == "application/pdf"                      # the PDF's own window, not this page
    import base64
    pdf = PdfReader(io.BytesIO(base64.b64decode(browser.execute_async_script(BLOB_BYTES, printed[0]["src"]))))
    text = " ".join(page.extract_text() for page in pdf.pages)
    assert "Maria Rivera" in text and "Dr. Aisha Chen" in text and pdf.metadata.title
    assert "Printing" in browser.find_element(By.ID, "status").text    # announced
    browser.find_element(By.ID, "print").send_keys(Keys.ENTER)          # again: one frame, not a pile of them
    wait(browser).until(lambda d: len(d.execute_script("return window.printed")) == 2)
    assert len(browser.find_elements(By.CSS_SELECTOR, "iframe.print-frame")) == 1
    check_axe(browser, "form after printing")


def test_a_safety_error_shows_next_to_its_field_and_blocks_the_handout(server, browser):
    browser.get(server + "/")
    fill_like_a_clinician(browser, "Maria Rivera")
    Select(field(browser, "medication")).select_by_visible_text("vitamin B12 (hydroxocobalamin)")
    route = field(browser, "route")
    Select(route).select_by_value("subcutaneous")                     # off-label for hydroxocobalamin
    browser.find_element(By.XPATH, '//label[text()="Left belly"]').click()
    Select(field(browser, "needle.length")).select_by_visible_text("5/8 in (16 mm)")
    wait(browser).until(lambda d: "label" in error_of(d, route).lower())
    assert route.get_attribute("aria-invalid") == "true"
    assert "error" in browser.find_element(By.ID, "status").text.lower()   # announced (role=status)
    browser.find_element(By.ID, "preview").click()
    summary = wait(browser).until(ready.visibility_of_element_located((By.ID, "summary")))
    assert browser.switch_to.active_element == summary                 # focus moves to the list of errors
    assert not browser.find_elements(By.CSS_SELECTOR, "#pages img")
    check_axe(browser, "form with errors")
    link = summary.find_element(By.TAG_NAME, "a")
    link.send_keys(Keys.ENTER)                                          # the summary links to the field
    assert browser.switch_to.active_element.get_attribute("data-path") in ("route", "sites")
    field(browser, "off_label").send_keys(Keys.SPACE)                   # the prescriber means it
    wait(browser).until(lambda d: error_of(d, route) == "")
    assert route.get_attribute("aria-invalid") is None


def test_everything_works_with_the_keyboard_and_at_200_percent_zoom(server, browser):
    browser.set_window_size(640, 900)             # 1280 px wide at 200 %
    try:
        browser.get(server + "/")
        assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
        controls = browser.execute_script(
            "return [...document.querySelectorAll('input, select, button, a[href]')]"
            ".filter(e => !e.closest('template') && e.offsetParent !== null && e.type !== 'hidden')"
            ".map(e => e.id || e.textContent.trim())")
        reached = []
        for _ in range(len(controls) + 20):
            ActionChains(browser).send_keys(Keys.TAB).perform()
            active = browser.switch_to.active_element
            if active.tag_name == "body":
                break                                   # past the last control
            reached.append(active.get_attribute("id") or active.text.strip())
            outline = browser.execute_script(
                "const e = document.activeElement, s = getComputedStyle(e);"
                "return s.outlineStyle + ' ' + s.outlineWidth + ' ' + e.matches(':focus-visible') + ' ' + e.tagName")
            assert outline.split()[0] != "none" and outline.split()[1] != "0px", (reached[-1], outline)
        missing = [c for c in controls if c and c not in reached and c != "open-yaml"]
        assert not missing, missing
        assert "preview" in reached and "download" in reached
        for page in ("/pharmacy", "/login"):       # the other pages fit too
            browser.get(server + page)
            assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1"), page
    finally:
        browser.set_window_size(1280, 1000)


def test_open_a_yaml_and_save_it_again(server, browser, tmp_path):
    browser.get(server + "/")
    source = tmp_path / "maria.yaml"
    source.write_text((ROOT / "examples" / "cyanocobalamin-im.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    browser.find_element(By.ID, "open-yaml").send_keys(str(source))
    wait(browser).until(ready.text_to_be_present_in_element((By.ID, "status"), "Opened maria.yaml"))
    assert field(browser, "patient.name").get_attribute("value") == "Maria López"
    assert field(browser, "needle.gauge").get_attribute("value") == "23"
    before = {p.name for p in browser.downloads.iterdir()}
    browser.find_element(By.ID, "save-yaml").click()
    import yaml
    saved = yaml.safe_load(downloaded(browser, ".yaml", before).read_text(encoding="utf-8"))
    original = yaml.safe_load(source.read_text(encoding="utf-8"))
    assert saved["patient"]["name"] == "Maria López" and saved["sites"] == original["sites"]
    assert saved["schedule"]["phases"] == original["schedule"]["phases"]


def test_pharmacy_upload_gives_a_zip(server, browser, tmp_path):
    browser.get(server + "/pharmacy")
    check_axe(browser, "pharmacy page")
    rx = base_rx()
    for key in ("patient", "sites", "dose"):
        rx.pop(key)
    (tmp_path / "defaults.yaml").write_text(dump(rx), encoding="utf-8")
    (tmp_path / "today.csv").write_text("patient.name,dose,sites\nAna Ruiz,1000 mcg,left thigh; right thigh\n"
                                        "Cy Diaz,1 mL,left hip; right hip\n", encoding="utf-8")
    browser.find_element(By.ID, "csv").send_keys(str(tmp_path / "today.csv"))
    browser.find_element(By.ID, "defaults").send_keys(str(tmp_path / "defaults.yaml"))
    before = {p.name for p in browser.downloads.iterdir()}
    browser.find_element(By.ID, "start").click()
    link = wait(browser, 90).until(ready.visibility_of_element_located((By.ID, "zip")))
    assert browser.find_element(By.ID, "progress").get_attribute("value") == "2"
    check_axe(browser, "pharmacy page, finished")
    link.click()
    archive = zipfile.ZipFile(io.BytesIO(downloaded(browser, ".zip", before).read_bytes()))
    assert len([n for n in archive.namelist() if n.startswith("handouts/")]) == 2
    assert "report.csv" in archive.namelist() and "print-all.pdf" in archive.namelist()


def test_login_page_is_accessible(server, browser):
    browser.get(server + "/login")
    check_axe(browser, "login page")
