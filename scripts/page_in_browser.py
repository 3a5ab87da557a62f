#!/usr/bin/env python3
"""Uses a generated app's page in headless Chromium, as a person would, and prints what it shows.

    scripts/page_in_browser.py PROJECT_DIR PORT --type ID=VALUE [--type ID=VALUE ...] --click ID --read ID [--path /]

Starts `python app.py` in PROJECT_DIR (with $PYTHON, default the verification venv), opens the page,
types the values into the elements with those ids, clicks, waits up to 5 s for the element read to show
text, prints it, and stops the app. Needs chromium, chromedriver and selenium (`../shared/eval/setup.sh`
installs them; run it with that venv's python). Exit 0 when the element showed text, 1 otherwise.
"""
import argparse, os, shutil, subprocess, sys, time, urllib.request

ap = argparse.ArgumentParser()
ap.add_argument("project"); ap.add_argument("port", type=int)
ap.add_argument("--type", action="append", default=[]); ap.add_argument("--click", required=True)
ap.add_argument("--read", required=True); ap.add_argument("--path", default="/")
a = ap.parse_args()

python = os.environ.get("PYTHON", os.path.expanduser("~/.cache/deepcoder/venv/bin/python"))
app = subprocess.Popen([python, "app.py"], cwd=a.project, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    url = f"http://127.0.0.1:{a.port}{a.path}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url, timeout=1); break
        except Exception:
            time.sleep(0.1)
    from selenium import webdriver
    from selenium.webdriver.common.by import By
    opts = webdriver.ChromeOptions()
    for o in ("--headless=new", "--no-sandbox", "--disable-gpu"):
        opts.add_argument(o)
    import shutil
    # the Debian driver, named: selenium must not look for one on the network
    driver = webdriver.Chrome(options=opts, service=webdriver.ChromeService(executable_path=shutil.which("chromedriver")))
    try:
        driver.get(url)
        for t in a.type:
            k, v = t.split("=", 1)
            el = driver.find_element(By.ID, k); el.clear(); el.send_keys(v)
        driver.find_element(By.ID, a.click).click()
        shown = ""
        for _ in range(50):
            shown = driver.find_element(By.ID, a.read).text.strip()
            if shown:
                break
            time.sleep(0.1)
        print(shown)
        sys.exit(0 if shown else 1)
    finally:
        driver.quit()
finally:
    app.terminate(); app.wait(5)
