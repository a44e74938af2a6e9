#!/usr/bin/env python3
"""Drives headless Chromium through the registry console over the DevTools protocol.

The protocol runs over Chromium's --remote-debugging-pipe (file descriptors 3 and 4, messages
separated by NUL), so nothing beyond the standard library is needed. The plan comes as JSON on
standard input:

  {"chromium": "/usr/bin/chromium", "base": "http://127.0.0.1:PORT", "out": "DIR",
   "user": "...", "password": "...",
   "sizes": [{"name": "desktop", "width": 1280, "height": 800, "mobile": false}, ...],
   "before": [{"name": "signin", "path": "/console/signin"}],    # visited before signing in
   "member": {"path": "/console/project?name=p", "user": "u"},   # a form to submit after sign-in
   "pages": [{"name": "projects", "path": "/"}, ...]}            # visited after signing in

It signs in by typing into the real form and pressing Enter, submits the member form the same
way, then loads every page at every size and prints one JSON report: for each page and size the
document status, final URL, title, visible text, console errors, CSP and other issues, failed
subresources, whether the stylesheet applied, horizontal overflow, and the screenshot's path.
"""

import json
import os
import select
import subprocess
import sys
import tempfile
import time


class DevTools:
    def __init__(self, chromium, profile):
        # Chromium reads commands from fd 3 and writes replies and events to fd 4.
        to_chrome_read, to_chrome_write = os.pipe()
        from_chrome_read, from_chrome_write = os.pipe()

        def wire():
            high_read = os.dup(to_chrome_read)
            high_write = os.dup(from_chrome_write)
            os.dup2(high_read, 3)
            os.dup2(high_write, 4)

        self.process = subprocess.Popen(
            [
                chromium, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
                "--user-data-dir=" + profile, "--no-first-run", "--no-default-browser-check",
                "--disable-extensions", "--disable-background-networking", "--disable-sync",
                "--disable-component-update", "--hide-scrollbars", "--mute-audio",
                "--force-device-scale-factor=1", "about:blank",
            ],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=wire, close_fds=False)
        os.close(to_chrome_read)
        os.close(from_chrome_write)
        self.write_fd = to_chrome_write
        self.read_fd = from_chrome_read
        self.buffer = b""
        self.next_id = 0
        self.events = []
        self.session = None

    def close(self):
        try:
            self.call("Browser.close", session=False, timeout=5)
        except Exception:
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _read_message(self, deadline):
        while b"\0" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no message from chromium")
            ready, _, _ = select.select([self.read_fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(self.read_fd, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method, params=None, session=True, timeout=20):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self.write_fd, data):]
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def wait_for(self, method, timeout=20):
        """Waits for an event (returning it), keeping every event seen in self.events."""
        for event in self.events:
            if event["method"] == method:
                return event
        deadline = time.monotonic() + timeout
        while True:
            event = self._read_message(deadline)
            if "method" in event:
                self.events.append(event)
                if event["method"] == method:
                    return event

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        return result.get("result", {}).get("value")

    def type_into(self, selector, text):
        root = self.call("DOM.getDocument")["root"]["nodeId"]
        node = self.call("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        if not node:
            raise RuntimeError(f"no element {selector}")
        self.call("DOM.focus", {"nodeId": node})
        self.call("Input.insertText", {"text": text})

    def press_enter(self):
        key = {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "nativeVirtualKeyCode": 13}
        self.call("Input.dispatchKeyEvent", dict(key, type="keyDown", text="\r"))
        self.call("Input.dispatchKeyEvent", dict(key, type="keyUp"))


def problems(events):
    """Console errors, exceptions, CSP and other issues, failed or refused subresources."""
    found = []
    for event in events:
        method, params = event["method"], event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
            found.append("console " + params["type"] + ": " + " ".join(
                str(arg.get("value", arg.get("description", ""))) for arg in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            found.append("exception: " + params.get("exceptionDetails", {}).get("text", ""))
        elif method == "Log.entryAdded":
            entry = params.get("entry", {})
            if entry.get("level") in ("error", "warning"):
                found.append(f"log {entry.get('source')} {entry['level']}: {entry.get('text', '')} {entry.get('url', '')}")
        elif method == "Audits.issueAdded":
            issue = params.get("issue", {})
            found.append("issue " + issue.get("code", "") + ": " + json.dumps(issue.get("details", {}))[:400])
        elif method == "Network.loadingFailed" and not params.get("canceled"):
            found.append(f"load failed: {params.get('errorText')} {params.get('blockedReason', '')}")
        elif method == "Network.responseReceived" and params.get("type") != "Document":
            response = params.get("response", {})
            if response.get("status", 200) >= 400:
                found.append(f"subresource {response.get('status')}: {response.get('url')}")
    return found


def document_status(events):
    status = None
    for event in events:
        if event["method"] == "Network.responseReceived" and event["params"].get("type") == "Document":
            status = event["params"]["response"]["status"]
    return status


def visit(tools, plan, size, page):
    tools.events = []
    tools.call("Page.navigate", {"url": plan["base"] + page["path"]})
    tools.wait_for("Page.loadEventFired")
    return capture(tools, plan, size, page["name"])


def capture(tools, plan, size, name):
    # Let late console messages and issues arrive before reading them.
    tools.evaluate("1")
    state = tools.evaluate(
        "JSON.stringify({url: location.href, title: document.title, text: document.body.innerText,"
        " scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth,"
        " background: getComputedStyle(document.body).backgroundColor})")
    state = json.loads(state)
    metrics = tools.call("Page.getLayoutMetrics")
    height = min(int(metrics["cssContentSize"]["height"]) + 1, 6000)
    height = max(height, size["height"])
    shot = tools.call("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": size["width"], "height": height, "scale": 1}})
    path = os.path.join(plan["out"], f"{name}-{size['width']}x{size['height']}.png")
    import base64
    with open(path, "wb") as file:
        file.write(base64.b64decode(shot["data"]))
    return {
        "page": name, "size": size["name"], "status": document_status(tools.events), "url": state["url"],
        "title": state["title"], "text": state["text"], "problems": problems(tools.events),
        "overflow": state["scrollWidth"] > state["clientWidth"], "scrollWidth": state["scrollWidth"],
        "clientWidth": state["clientWidth"], "styled": state["background"] == "rgb(244, 246, 248)",
        "screenshot": path,
    }


def emulate(tools, size):
    tools.call("Emulation.setDeviceMetricsOverride", {
        "width": size["width"], "height": size["height"], "deviceScaleFactor": 1, "mobile": size["mobile"]})


def main():
    plan = json.load(sys.stdin)
    os.makedirs(plan["out"], exist_ok=True)
    report = {"pages": []}
    with tempfile.TemporaryDirectory(prefix="berth-chromium-") as profile:
        tools = DevTools(plan["chromium"], profile)
        try:
            target = tools.call("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
            tools.session = tools.call(
                "Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)["sessionId"]
            for domain in ("Page", "Runtime", "Log", "Network", "Audits", "DOM"):
                tools.call(domain + ".enable")
            report["version"] = tools.call("Browser.getVersion", session=False).get("product")
            for size in plan["sizes"]:
                emulate(tools, size)
                for page in plan.get("before", []):
                    report["pages"].append(visit(tools, plan, size, page))
            # Sign in through the form, as a person would: type, press Enter.
            emulate(tools, plan["sizes"][0])
            tools.events = []
            tools.call("Page.navigate", {"url": plan["base"] + "/console/signin"})
            tools.wait_for("Page.loadEventFired")
            tools.type_into("#username", plan["user"])
            tools.type_into("#password", plan["password"])
            tools.events = []
            tools.press_enter()
            tools.wait_for("Page.loadEventFired")
            report["signin"] = capture(tools, plan, plan["sizes"][0], "after-signin")
            os.remove(report["signin"]["screenshot"])
            # A state-changing form: add a member on the project page.
            if "member" in plan:
                tools.events = []
                tools.call("Page.navigate", {"url": plan["base"] + plan["member"]["path"]})
                tools.wait_for("Page.loadEventFired")
                tools.type_into("#member-user", plan["member"]["user"])
                tools.events = []
                tools.press_enter()
                tools.wait_for("Page.loadEventFired")
                report["member"] = capture(tools, plan, plan["sizes"][0], "after-member")
                os.remove(report["member"]["screenshot"])
            for size in plan["sizes"]:
                emulate(tools, size)
                for page in plan["pages"]:
                    report["pages"].append(visit(tools, plan, size, page))
        finally:
            tools.close()
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main()
