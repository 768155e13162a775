"""Takes docs/web-form.png, the README's picture of the form, in headless Chromium.

    python docs/screenshot.py

It starts `handout serve`, opens examples/cyanocobalamin-im.yaml through the
form's own "Open a YAML file", previews the handout and photographs the page,
so the picture shows the app as it is. Needs Debian's chromium and
chromium-driver, and selenium (a test dependency).
"""

from __future__ import annotations

import io
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from PIL import Image  # noqa: E402
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ready  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from bench_web import serving  # noqa: E402

OUT = ROOT / "docs" / "web-form.png"
EXAMPLE = ROOT / "examples" / "cyanocobalamin-im.yaml"
WIDTH, HEIGHT = 1440, 960       # a clinic's desktop browser: the form and the preview side by side
SCALE = 2 / 3                   # stored at 960 × 640, small enough for the repository


def main() -> int:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not (chromium and driver_path):
        print("needs Debian's chromium and chromium-driver", file=sys.stderr)
        return 1
    profile = tempfile.mkdtemp(prefix="handouts-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                 f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False})
    try:
        with serving("--workers", "1") as (url, _log):
            driver.get(url + "/")
            driver.find_element(By.ID, "open-yaml").send_keys(str(EXAMPLE))
            wait = WebDriverWait(driver, 60)
            wait.until(ready.text_to_be_present_in_element((By.ID, "status"), "Opened"))
            driver.find_element(By.ID, "preview").click()
            wait.until(ready.text_to_be_present_in_element((By.ID, "status"), "Handout ready"))
            wait.until(lambda d: d.execute_script(
                "return [...document.querySelectorAll('#pages img')].every(i => i.complete && i.naturalWidth)"))
            driver.execute_script("document.activeElement.blur(); window.scrollTo(0, 0)")
            shot = Image.open(io.BytesIO(driver.get_screenshot_as_png())).convert("RGB")
            small = shot.resize((round(WIDTH * SCALE), round(HEIGHT * SCALE)), Image.LANCZOS)
            small.quantize(256).save(OUT, optimize=True)           # 256 colours: 40 % of the bytes
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
