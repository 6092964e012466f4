"""Screenshots of the form designer and the journey preview (headless Chromium, CDP).

Usage (against a running server holding the demo or a test database):

    python scripts/designer_screenshots.py URL DB LOGIN PASSWORD PATH=OUTPUT.png [...]

Each ``PATH=OUTPUT`` opens ``URL + PATH`` logged in, waits until
``.o_prs_designer, .o_prs_journey`` is shown, and saves a PNG; ``PATH=OUTPUT|JS`` runs
the JavaScript ``JS`` in the page first (e.g. clicks) and waits two seconds. Console
errors are printed.
"""

import base64
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket


def _session(url, db, login, password):
    body = json.dumps(
        {"jsonrpc": "2.0", "params": {"db": db, "login": login, "password": password}}
    ).encode()
    request = urllib.request.Request(
        f"{url}/web/session/authenticate", body, {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request) as response:
        cookie = response.headers["Set-Cookie"]
    return cookie.split("session_id=")[1].split(";")[0]


class Browser:
    def __init__(self, port=9339):
        self.profile = tempfile.mkdtemp(prefix="prs-shot-")
        self.process = subprocess.Popen(
            [
                shutil.which("chromium") or "chromium",
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                f"--remote-debugging-port={port}",
                f"--user-data-dir={self.profile}",
                "--window-size=1600,1000",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _attempt in range(50):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json") as response:
                    targets = json.load(response)
                page = next(t for t in targets if t["type"] == "page")
                break
            except (OSError, StopIteration):
                time.sleep(0.2)
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60)
        self.counter = 0
        self.errors = []

    def send(self, method, **params):
        self.counter += 1
        self.ws.send(json.dumps({"id": self.counter, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("method") == "Runtime.exceptionThrown":
                self.errors.append(message["params"]["exceptionDetails"].get("text"))
            if message.get("method") == "Runtime.consoleAPICalled":
                if message["params"]["type"] == "error":
                    self.errors.append(str(message["params"]["args"])[:500])
            if message.get("id") == self.counter:
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def close(self):
        self.ws.close()
        self.process.terminate()
        self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def main(url, db, login, password, *shots):
    session = _session(url, db, login, password)
    browser = Browser()
    try:
        browser.send("Runtime.enable")
        browser.send("Network.enable")
        host = url.split("//")[1].split(":")[0]
        browser.send("Network.setCookie", name="session_id", value=session, domain=host, path="/")
        browser.send(
            "Emulation.setDeviceMetricsOverride",
            width=1600,
            height=1000,
            deviceScaleFactor=1,
            mobile=False,
        )
        for shot in shots:
            shot, _sep, script = shot.partition("|")
            path, output = shot.rsplit("=", 1)
            browser.send("Page.navigate", url=url + path)
            for _attempt in range(100):
                time.sleep(0.3)
                ready = browser.evaluate(
                    "!!document.querySelector('.o_prs_designer, .o_prs_journey')"
                )
                if ready:
                    break
            time.sleep(2)
            if script:
                browser.evaluate(script)
                time.sleep(2)
            data = browser.send("Page.captureScreenshot", format="png")["data"]
            with open(output, "wb") as handle:
                handle.write(base64.b64decode(data))
            print(output, "ready" if ready else "NOT READY")  # pylint: disable=print-used
        for error in browser.errors:
            print("console error:", error)  # pylint: disable=print-used
    finally:
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
