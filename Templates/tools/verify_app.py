"""deepcoder's verification harness: one check per invocation, run with the project's venv python,
cwd = the generated project. Usage: python verify_app.py CHECK PROBES_JSON
Prints one JSON object on the last line of stdout: {"ok": bool, "summary": str, "failures": [{"file", "message"}]}.
Only loopback addresses are used."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path.cwd().resolve()
RESULT = {"ok": True, "summary": "", "failures": []}


def tb_line(tb_text, file):
    """The line of the last traceback frame in the project file `file`, or None."""
    line = None
    for f, n in re.findall(r'File "([^"]+)", line (\d+)', tb_text):
        try:
            if str(Path(f).resolve().relative_to(ROOT)) == file:
                line = int(n)
        except (ValueError, OSError):
            continue
    return line


def fail(file, message, line=None):
    """Records a failure blamed on `file`; `line` is the line of that file the failure points at
    (given, or the last frame of a traceback in the message that lies in the file)."""
    RESULT["ok"] = False
    if line is None and file and file.endswith(".py"):
        line = tb_line(message, file)
        m = re.match(r"%s, line (\d+)" % re.escape(file), message)
        if line is None and m:
            line = int(m.group(1))
    failure = {"file": file, "message": message[-3000:]}
    if line is not None:
        failure["line"] = line
    RESULT["failures"].append(failure)


def project_tb(tb_text):
    """A traceback without the frames of installed packages (Flask's dispatch): what a repair needs is
    the project's frames and the error."""
    out, dropping = [], False
    for line in tb_text.split("\n"):
        if line.startswith('  File "'):
            dropping = "site-packages" in line
            if dropping:
                continue
        elif dropping and line.startswith("    "):
            continue
        else:
            dropping = False
        out.append(line)
    return "\n".join(out)


def project_file_from_tb(tb_text, default="app.py"):
    """The last frame of a traceback that lies inside the project (relative path)."""
    found = default
    for m in re.finditer(r'File "([^"]+)", line \d+', tb_text):
        try:
            p = Path(m.group(1)).resolve()
            rel = p.relative_to(ROOT)
        except (ValueError, OSError):
            continue
        if rel.parts and rel.parts[0] in (".deepcoder", "tests"):
            continue
        found = str(rel)
    m = re.search(r"TemplateNotFound: (\S+)", tb_text)
    if m:
        return default
    for m in re.finditer(r'File "(templates/[^"]+)"', tb_text):
        found = m.group(1)
    m = re.search(r"jinja2\.exceptions\.\w+: .*", tb_text)
    if m:
        tm = re.findall(r'File "[^"]*/(templates/[^"]+\.html)", line \d+', tb_text)
        if tm:
            found = tm[-1]
    return found


def traced(call, ran=None):
    """Runs call() and returns (result, lines): the project lines (file, number) it ran, in order, so
    that a wrong answer can be traced to the statement that produced it. `ran` (a list) also receives
    them when call() raises."""
    ran = [] if ran is None else ran
    root = str(ROOT) + os.sep

    def tracer(frame, event, _arg):
        fn = frame.f_code.co_filename
        if not fn.startswith(root) or not fn.endswith(".py") or (os.sep + "tests" + os.sep) in fn[len(root) - 1:]:
            return None
        if event == "line":
            ran.append((fn[len(root):], frame.f_lineno))
        return tracer

    sys.settrace(tracer)
    try:
        result = call()
    finally:
        sys.settrace(None)
    return result, ran


def trace_text(ran, limit=8):
    """The last project lines a request ran, with their source, for a repair prompt."""
    if not ran:
        return ""
    import linecache
    tail = []
    for f, n in ran:
        if tail and tail[-1] == (f, n):
            continue
        tail.append((f, n))
    tail = tail[-limit:]
    lines = [f"  {f}:{n}: {linecache.getline(str(ROOT / f), n).strip()}" for f, n in tail]
    return "\nThe last lines of the project this request ran (the answer comes from the last of them):\n" + "\n".join(lines)


def field_lines(names):
    """The lines of forms.py (or app.py) that define these form fields."""
    out = []
    for src in ("forms.py", "app.py"):
        path = ROOT / src
        if not path.exists():
            continue
        for i, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if any(re.match(r"\s*%s\s*=\s*\w*Field\(" % re.escape(n), line) for n in names):
                out.append(f"  {src}:{i}: {line.strip()}")
    return ("\nThe form's fields are defined here:\n" + "\n".join(out)) if out else ""


def py_files():
    return sorted(p for p in ROOT.rglob("*.py") if ".deepcoder" not in p.parts and "tests" not in p.parts
                  and "__pycache__" not in p.parts and ".venv" not in p.parts)


def check_compile(_probes):
    files = py_files()
    for p in files:
        rel = str(p.relative_to(ROOT))
        try:
            compile(p.read_text(encoding="utf-8"), rel, "exec", dont_inherit=True)
        except SyntaxError as e:
            fail(rel, f'{rel}, line {e.lineno}: {e.msg}\n{(e.text or "").rstrip()}')
        except (UnicodeDecodeError, ValueError) as e:
            fail(rel, f"{rel}: {e}")
    RESULT["summary"] = f"{len(files)} Python file(s) compile"


def check_templates(_probes):
    import jinja2
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(ROOT / "templates")))
    files = sorted((ROOT / "templates").rglob("*.html")) if (ROOT / "templates").is_dir() else []
    for p in files:
        rel = str(p.relative_to(ROOT))
        try:
            env.parse(p.read_text(encoding="utf-8"), name=rel)
        except jinja2.TemplateSyntaxError as e:
            fail(rel, f"{rel}, line {e.lineno}: {e.message}")
        except UnicodeDecodeError as e:
            fail(rel, f"{rel}: not UTF-8: {e}")
    RESULT["summary"] = f"{len(files)} template(s)"


def load_app():
    sys.path.insert(0, str(ROOT))
    from flask import Flask
    import app as app_module
    for value in vars(app_module).values():
        if isinstance(value, Flask):
            return value
    factory = getattr(app_module, "create_app", None)
    if callable(factory):
        return factory()
    raise RuntimeError("app.py defines no Flask application object (expected app = Flask(__name__))")


def check_import(_probes):
    try:
        app = load_app()
    except BaseException:  # noqa: BLE001 - SystemExit from a bad module too
        tb = traceback.format_exc()
        fail(project_file_from_tb(tb), tb)
        return
    rules = sorted(f"{sorted(r.methods - {'HEAD', 'OPTIONS'})} {r.rule}" for r in app.url_map.iter_rules()
                   if r.endpoint != "static")
    RESULT["summary"] = "routes: " + ", ".join(rules)


def client_for(app):
    app.config.update(TESTING=False, PROPAGATE_EXCEPTIONS=True, WTF_CSRF_ENABLED=False)
    return app.test_client()


def check_routes(probes):
    try:
        app = load_app()
    except BaseException:  # noqa: BLE001
        tb = traceback.format_exc()
        fail(project_file_from_tb(tb), tb)
        return
    client = client_for(app)
    done = []
    for p in probes:
        label = f"{p['method']} {p['url']}"
        kw = {}
        if p.get("form") is not None:
            kw["data"] = p["form"]
        if p.get("json") is not None:
            kw["json"] = p["json"]
        ran = []
        try:
            resp, ran = traced(lambda: client.open(p["url"], method=p["method"], **kw), ran)
        except BaseException:  # noqa: BLE001
            tb = traceback.format_exc()
            blame = project_file_from_tb(tb)
            in_blamed = [n for f, n in ran if f == blame]
            line = tb_line(tb, blame) or (in_blamed[-1] if in_blamed else None)
            fail(blame, f"{label} raised an exception:\n{project_tb(tb)[-1500:]}{trace_text(ran)}", line=line)
            continue
        body = resp.get_data(as_text=True)
        if resp.status_code >= 500:
            in_app = [n for f, n in ran if f == "app.py"]
            fail("app.py", f"{label} answered {resp.status_code}: {body[:800]}{trace_text(ran)}", line=in_app[-1] if in_app else None)
        elif resp.status_code == 405:
            fail("app.py", f"{label} answered 405 Method Not Allowed: the route does not accept {p['method']}")
        elif resp.status_code == 404 and p.get("mustExist"):
            fail("app.py", f"{label} answered 404 Not Found: the route is missing")
        elif 200 <= resp.status_code < 300 and p.get("answerKeys"):
            data = resp.get_json(silent=True)
            missing = [k for k in p["answerKeys"] if isinstance(data, dict) and k not in data]
            if missing:
                in_app = [n for f, n in ran if f == "app.py"]
                fail("app.py", f"{label} answered {resp.status_code} without the key(s) {', '.join(repr(k) for k in missing)} "
                     f"that the description gives its answer: {body[:400]}{trace_text(ran)}", line=in_app[-1] if in_app else None)
        done.append(f"{label} -> {resp.status_code}")
    RESULT["summary"] = "; ".join(done)


def _same(actual, expected):
    """JSON values equal; numbers within a relative 1e-6 (12.566370614359172 vs 12.5663706144)."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return actual is expected
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return abs(actual - expected) <= 1e-6 * max(1.0, abs(expected))
    if isinstance(expected, list) and isinstance(actual, list):
        return len(actual) == len(expected) and all(_same(a, e) for a, e in zip(actual, expected))
    return actual == expected


def format_pattern(text):
    """A pinned output format as a pattern: "Total: 22.9" matches "Total: 141.8" (same decimals)."""
    out, pos = "", 0
    for m in re.finditer(r"\d+(?:\.(\d+))?", text):
        out += re.escape(text[pos:m.start()])
        out += r"-?\d+\.\d{%d}(?!\d)" % len(m.group(1)) if m.group(1) else r"-?\d+(?![\d.])"
        pos = m.end()
    return out + re.escape(text[pos:])


def answer_excerpt(body):
    """The start of an answer as a repair can use it: a page's visible text (its head, styles and
    scripts are the same for every answer), anything else as sent."""
    if re.search(r"<(?:!doctype|html|body)\b", body[:500], re.I):
        text = re.sub(r"<(head|style|script)\b.*?</\1\s*>", " ", body, flags=re.S | re.I)
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()
        import html as _html
        return "the page " + repr(_html.unescape(text)[:300])
    return repr(body.strip()[:300])


def template_holding(texts, default):
    """The first template (templates/*.html, by name) that holds the first of `texts` any template holds;
    `default` when none does."""
    templates = sorted((ROOT / "templates").glob("*.html")) if (ROOT / "templates").is_dir() else []
    sources = [(str(t.relative_to(ROOT)), t.read_text(errors="replace")) for t in templates]
    for text in texts:
        for path, source in sources:
            if text in source:
                return path
    return default


def check_behaviour(data):
    """Requests whose outcome the description states (status, JSON values and keys, texts), in order,
    on one app instance: creates first, so that `<id>` in later URLs is the id a create returned."""
    checks = data.get("behaviour", [])
    if not checks:
        RESULT["summary"] = "skipped: the description states no behaviour these rules can check"
        return
    try:
        app = load_app()
    except BaseException:  # noqa: BLE001
        tb = traceback.format_exc()
        fail(project_file_from_tb(tb), tb)
        return
    page_file = data.get("pins", {}).get("pageFile", "app.py")
    client = client_for(app)
    created_id = None
    given_ids = []
    last_format = None  # (input, text) of the last answer that showed a pinned format
    passed, failed = 0, 0
    for c in checks:
        url = c["url"]
        if "<" in url:
            url = re.sub(r"<[^>]*>", str(created_id if created_id is not None else 1), url)
        kw = {}
        if c.get("form") is not None:
            kw["data"] = c["form"]
        if c.get("json") is not None:
            kw["json"] = c["json"]
        label = f"{c['method']} {url}"
        if c.get("json") is not None:
            label += " with JSON body " + json.dumps(c["json"])
        if c.get("form") is not None:
            label += " with form data " + json.dumps(c["form"])
        said = f'The description says: "{c["source"]}"'
        ran = []
        try:
            resp, ran = traced(lambda: client.open(url, method=c["method"], **kw), ran)
        except BaseException:  # noqa: BLE001
            tb = traceback.format_exc()
            failed += 1
            if failed <= 5:
                blame = project_file_from_tb(tb, c.get("file", "app.py"))
                in_blamed = [n for f, n in ran if f == blame]
                line = tb_line(tb, blame) or (in_blamed[-1] if in_blamed else None)
                fail(blame, f"{label} raised an exception:\n{project_tb(tb)[-1500:]}\n{said}{trace_text(ran)}", line=line)
            continue
        body = resp.get_data(as_text=True)
        problems = []
        blame = c.get("file", "app.py")
        if resp.status_code not in c["status"]:
            problems.append(f"expected status {' or '.join(map(str, c['status']))}")
        if c.get("jsonSubset") or c.get("jsonKeys") or c.get("jsonType"):
            value = resp.get_json(silent=True)
            if value is None:
                problems.append("expected a JSON answer")
            else:
                if c.get("jsonType") == "list" and not isinstance(value, list):
                    problems.append("expected a JSON list")
                if c.get("jsonKeys") or c.get("jsonSubset"):
                    if not isinstance(value, dict):
                        problems.append("expected a JSON object")
                    else:
                        missing = [k for k in c.get("jsonKeys", []) if k not in value]
                        if missing:
                            problems.append("the JSON object has no " + ", ".join(f'"{k}"' for k in missing) + " key")
                        for k, v in (c.get("jsonSubset") or {}).items():
                            if k in value and not _same(value[k], v):
                                problems.append(f'"{k}" is {json.dumps(value[k])}, expected {json.dumps(v)}')
        if c.get("fewerEntriesThan"):
            try:
                ref = client.get(c["fewerEntriesThan"])
                def entries(text):
                    text = re.sub(r"<(nav|header|footer|thead)\b.*?</\1\s*>", "", text, flags=re.S | re.I)
                    return len(re.findall(r"<(?:li|tr)\b", text, re.I))
                if ref.status_code == 200 and entries(ref.get_data(as_text=True)) > 0 \
                        and entries(body) >= entries(ref.get_data(as_text=True)):
                    problems.append(f"it lists {entries(body)} entries, as many as {c['fewerEntriesThan']} does: "
                                    "a search that matches nothing must list none of them")
            except Exception:  # noqa: BLE001
                pass  # the reference request is not this check's business
        if c.get("counted") and resp.status_code < 300:
            from urllib.parse import parse_qs, urlsplit
            value = resp.get_json(silent=True)
            sent = parse_qs(urlsplit(c["url"]).query, keep_blank_values=True)
            for k, param in c["counted"].items():
                try:
                    n = int(sent[param][0])
                except (KeyError, IndexError, ValueError):
                    continue
                items = value.get(k) if isinstance(value, dict) else None
                if not isinstance(items, list):
                    problems.append(f'"{k}" must be a list of {n} item(s) ({param}={n})')
                elif len(items) != n:
                    problems.append(f'"{k}" holds {len(items)} item(s); with {param}={n} it must hold {n}')
        if c.get("ordered") and resp.status_code < 300:
            value = resp.get_json(silent=True)
            for k, order in c["ordered"].items():
                items = value.get(k) if isinstance(value, dict) else None
                if not isinstance(items, list) or len(items) < 2:
                    continue
                numeric = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in items)
                if not numeric and not all(isinstance(x, str) for x in items):
                    continue
                want = sorted(items, key=(lambda x: x) if numeric else str.casefold, reverse=order == "descending")
                if items != want:
                    problems.append(f'"{k}" is {json.dumps(items)}, which is not in {order} order ({json.dumps(want)})')
        import html as _html
        shown = body + "\n" + _html.unescape(body)
        for t in c.get("texts", []):
            if t not in shown:
                problems.append(f'the answer does not show "{t}"')
                sources = {p.name: p.read_text(errors="replace") for p in ROOT.glob("*.py")}
                # the message exists but the page does not render it (a wrong status is the view's; a JSON
                # answer is the view's own text, which no page renders)
                if resp.status_code in c["status"] and not resp.is_json \
                        and (t in sources.get("forms.py", "") or t in sources.get("app.py", "")):
                    blame = page_file
        for f in c.get("formats", []):
            found = re.search(format_pattern(f), shown)
            if not found:
                problems.append(f'the answer shows nothing like "{f}" (the format the description pins, with this input\'s number)')
            elif c.get("differsFromPrevious") and last_format and found.group(0) == last_format[1]:
                problems.append(f'it shows "{found.group(0)}", as it did for {last_format[0]}: the result does not depend on the input')
                if (ROOT / "app.py").is_file():
                    blame = "app.py"  # shown as pinned, computed wrong: the calculation is the fault, not the page
            if found:
                last_format = (json.dumps(c.get("form") or c.get("json")), found.group(0))
        if c.get("location") and 300 <= resp.status_code < 400:
            from urllib.parse import urlsplit
            to = urlsplit(resp.headers.get("Location", "")).path.rstrip("/") or "/"
            if to != (c["location"].rstrip("/") or "/"):
                problems.append(f'it redirects to {resp.headers.get("Location", "nowhere")}, expected {c["location"]}')
        for link in c.get("links", []):
            if not re.search(r'<a\b[^>]*\bhref\s*=\s*["\']?' + re.escape(link) + r'/?(?:["\'?#\s>]|$)', shown, re.I):
                problems.append(f'the page has no link to {link} (<a href="{link}">)')
        for t in c.get("forbidden", []):
            if t in shown:
                problems.append(f'the answer shows "{t}", which it must not for this input')
        if c["method"] == "POST" and resp.status_code in (200, 201):
            value = resp.get_json(silent=True)
            if isinstance(value, dict) and isinstance(value.get("id"), (int, str)) and not isinstance(value.get("id"), bool):
                if c.get("newID") and value["id"] in given_ids:
                    problems.append(f"id {value['id']} was given to an earlier item (one that was deleted); ids must never be reused")
                given_ids.append(value["id"])
                if created_id is None:
                    created_id = value["id"]
        if problems:
            failed += 1
            if failed <= 5:
                where = trace_text(ran)
                if c.get("form"):
                    where += field_lines(list(c["form"]))
                in_blamed = [n for f, n in ran if f == blame]
                fail(blame, f"{label} answered {resp.status_code} {answer_excerpt(body)}: {'; '.join(problems)}. {said}{where}",
                     line=in_blamed[-1] if in_blamed else None)
        else:
            passed += 1
    if failed > 5:
        fail(None, f"... and {failed - 5} more statement(s) of the description do not hold")
    RESULT["summary"] = f"{passed} of {len(checks)} stated behaviours hold"


def page_sources(app):
    """HTML of every GET page without parameters, plus static files."""
    client = client_for(app)
    out = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments or rule.endpoint == "static":
            continue
        try:
            resp = client.get(rule.rule)
        except BaseException:  # noqa: BLE001
            continue
        ctype = resp.headers.get("Content-Type", "")
        if resp.status_code == 200 and "html" in ctype:
            out[rule.rule] = resp.get_data(as_text=True)
    return out


def check_pins(probes_and_pins):
    pins = probes_and_pins.get("pins", {})
    ids, fields, kind = pins.get("elementIDs", []), pins.get("fieldNames", []), pins.get("kind", "")
    if not ids and not (fields and kind == "wtforms") and not pins.get("wantsJavaScript") and kind not in ("single-file", "jinja-pages", "wtforms"):
        RESULT["summary"] = "nothing pinned"
        return
    try:
        app = load_app()
    except BaseException:  # noqa: BLE001
        tb = traceback.format_exc()
        fail(project_file_from_tb(tb), tb)
        return
    pages = page_sources(app)
    html = "\n".join(pages.values())
    static = ""
    if (ROOT / "static").is_dir():
        static = "\n".join(p.read_text(errors="replace") for p in (ROOT / "static").rglob("*") if p.is_file())
    page_file = pins.get("pageFile", "app.py")
    for i in ids:
        if not re.search(r"""\bid\s*=\s*["']?%s["'\s>/]""" % re.escape(i), html) and \
                not re.search(r"""["'#]%s["']""" % re.escape(i), static):
            fail(page_file, f'the page GET / has no element with id="{i}" (the description pins it)')
    if kind == "wtforms":
        for f in fields:
            if not re.search(r"""\bname\s*=\s*["']?%s["'\s>/]""" % re.escape(f), html):
                fail(pins.get("formFile", "forms.py"),
                     f'the form on GET / has no field named "{f}" (the description pins it); forms.py must define `{f} = ...Field(...)` and the template must render form.{f}')
    # the description asks for JavaScript: the page must have some
    static_js = (ROOT / "static").is_dir() and any((ROOT / "static").rglob("*.js"))
    if pins.get("wantsJavaScript") and kind != "json-api" and not re.search(r"<script\b", html, re.I) and not static_js:
        fail(page_file, "the description asks for JavaScript in the page, but the page has no <script>: "
                        "add a <script> at the end of <body> that does the work in the browser")
    # the script looks up elements the page has
    present = set(re.findall(r"""\bid\s*=\s*["']?([A-Za-z][\w-]*)""", html))
    scripts = "\n".join(re.findall(r"<script\b[^>]*>(.*?)</script>", html, re.S | re.I))
    wanted = re.findall(r"""getElementById\(\s*["']([A-Za-z][\w-]*)["']\s*\)""", scripts)
    wanted += re.findall(r"""querySelector\(\s*["']#([A-Za-z][\w-]*)["']\s*\)""", scripts)
    for i in sorted(set(wanted) - present):
        if not re.search(r"""\.id\s*=\s*["']%s["']""" % re.escape(i), scripts):  # not created by the script itself
            fail(page_file, f'the script looks up the element with id "{i}", but the page has no element with id="{i}"')
    # every form on a page posts to a route the app has (a form without an action sends to its own page)
    adapter = app.url_map.bind("localhost")
    for page_path, page_html in pages.items():
        for m in re.finditer(r"<form\b([^>]*)>", page_html, re.I):
            attrs = m.group(1)
            action = re.search(r"""\baction\s*=\s*["']([^"']*)["']""", attrs, re.I)
            method = re.search(r"""\bmethod\s*=\s*["']?(\w+)""", attrs, re.I)
            url = action.group(1) if action and action.group(1).strip() else page_path
            if not url.startswith("/") or "{" in url:
                continue
            verb = (method.group(1) if method else "GET").upper()
            try:
                adapter.match(url.split("?")[0], method=verb)
            except Exception as e:  # noqa: BLE001 - NotFound, MethodNotAllowed, RequestRedirect
                if type(e).__name__ in ("NotFound", "MethodNotAllowed"):
                    shown = f'<form action="{url}" method="{verb.lower()}">' if action and action.group(1).strip() \
                        else f'<form method="{verb.lower()}"> (no action: it sends to {url})'
                    # blame the template that holds this form, when one does (a site's other page)
                    holder = template_holding([m.group(0)], page_file)
                    fail(holder, f'the page {page_path} has {shown}, but the app has no {verb} {url} route'
                                    + ("; the description wants the work done in the browser: use a <button type=\"button\"> and JavaScript, not a form"
                                       if pins.get("wantsJavaScript") else ""))
    # every script a page loads from the app is there (a missing file is a page whose buttons do nothing)
    client = client_for(app)
    for page_path, page_html in pages.items():
        for m in re.finditer(r"""<script\b[^>]*\bsrc\s*=\s*["']([^"']+)["']""", re.sub(r"<!--.*?-->", "", page_html, flags=re.S), re.I):
            src = m.group(1).strip()
            if re.match(r"(?i)^(?:[a-z][a-z0-9+.-]*:|//)", src) or "{" in src:
                continue  # another site's script (a CDN), a data: URL, or a template expression left unrendered
            url = urllib.parse.urljoin("http://localhost" + page_path, src)
            path = urllib.parse.urlsplit(url).path
            try:
                status = client.get(path).status_code
            except BaseException:  # noqa: BLE001
                status = 500
            if status >= 400:
                # the template with this tag, else the one naming the file (a tag written with url_for)
                name = path.rsplit("/", 1)[-1]
                holder = template_holding([m.group(0)] + ([name] if name else []), page_file)
                fail(holder, f'the page {page_path} loads <script src="{src}">, but GET {path} answers {status}: '
                             'put the script inline in a <script> at the end of <body>')
    # a page without JavaScript sends its inputs to the route that reads them: a GET form whose
    # fields carry the route's parameter names (an input without a name is never sent)
    submissions = pins.get("submissions", [])
    for s in submissions:
        source = pages.get(s["page"])
        if source is None:
            continue  # the page itself is missing or fails: the routes check says so
        if not form_sends(source, s["page"], s["route"], s["names"]):
            inputs = " and ".join(f'<input name="{n}">' for n in s["names"])
            fail(page_file, f'the page {s["page"]} must send its input to GET {s["route"]}: put {inputs} inside '
                            f'<form action="{s["route"]}" method="get"> (an input without a name is never sent)')
    RESULT["summary"] = f"pages {sorted(pages)}: {len(ids)} id(s), {len(fields)} field(s), {len(submissions)} form submission(s) checked"


def form_sends(html, page, route, names):
    """Whether `html` (served at `page`) has a GET form that sends fields named `names` to `route`."""
    def norm(path):
        return path.rstrip("/") or "/"
    for m in re.finditer(r"<form\b([^>]*)>(.*?)</form>", html, re.I | re.S):
        attrs, body = m.group(1), m.group(2)
        action = re.search(r"""\baction\s*=\s*["']([^"']*)["']""", attrs, re.I)
        method = re.search(r"""\bmethod\s*=\s*["']?(\w+)""", attrs, re.I)
        target = urllib.parse.urlsplit(action.group(1)).path if action and action.group(1) else page
        if norm(target) != norm(route) or (method and method.group(1).upper() != "GET"):
            continue
        sent = set(re.findall(r"""<(?:input|select|textarea)\b[^>]*?\bname\s*=\s*["']?([\w-]+)""", body, re.I))
        if all(n in sent for n in names):
            return True
    return False


def check_javascript(probes_and_pins):
    node = shutil.which("node") or shutil.which("nodejs")
    if not node:
        RESULT["summary"] = "skipped: node not installed"
        return
    try:
        app = load_app()
        pages = page_sources(app)
    except BaseException:  # noqa: BLE001
        tb = traceback.format_exc()
        fail(project_file_from_tb(tb), tb)
        return
    page_file = probes_and_pins.get("pins", {}).get("pageFile", "app.py")
    scripts = []
    for url, html in pages.items():
        for n, m in enumerate(re.finditer(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, re.S | re.I)):
            scripts.append((f"{url} script #{n + 1}", page_file, m.group(1)))
    if (ROOT / "static").is_dir():
        for p in sorted((ROOT / "static").rglob("*.js")):
            scripts.append((str(p.relative_to(ROOT)), str(p.relative_to(ROOT)), p.read_text(errors="replace")))
    import tempfile
    for label, file, code in scripts:
        with tempfile.NamedTemporaryFile("w", suffix=".js", delete=False) as tf:
            tf.write(code)
        try:
            r = subprocess.run([node, "--check", tf.name], capture_output=True, text=True, timeout=20)
            if r.returncode != 0:
                err = r.stderr.replace(tf.name, label)
                fail(file, f"JavaScript syntax error in {label}:\n{err[-1500:]}")
        finally:
            os.unlink(tf.name)
    summary = f"{len(scripts)} script(s) checked"
    checks = probes_and_pins.get("page", [])
    if checks and not RESULT["failures"]:
        summary += "; " + run_page_checks(node, app, checks, page_file, probes_and_pins.get("pageSim"))
    RESULT["summary"] = summary


def run_page_checks(node, app, checks, page_file, sim):
    """Uses the page as the description says a user would (type, click, read) with page_sim.js."""
    client = client_for(app)
    resp = client.get("/")
    html = resp.get_data(as_text=True)
    scripts = []
    for m in re.finditer(r"<script\b([^>]*)>(.*?)</script>", html, re.S | re.I):
        src = re.search(r"""\bsrc\s*=\s*["']([^"']+)["']""", m.group(1))
        if src:
            if re.match(r"^(https?:)?//", src.group(1)):
                continue  # a CDN library: not available offline, and not the page's own logic
            r = client.get(src.group(1))
            scripts.append(r.get_data(as_text=True) if r.status_code == 200 else "")
        else:
            scripts.append(m.group(2))
    runs = [{"inputs": c["inputs"], "click": c["click"], "before": c.get("before"), "offline": bool(c.get("offline")),
             "read": sorted({*c.get("shows", {}), *c.get("hides", {}), *c.get("filled", []), *(c.get("empty") or [])} - {"*"})}
            for c in checks]
    # a use that must not look like the page's answer to invalid input: run that input too (appended runs)
    reference, owners = {}, list(checks)
    for c in checks:
        if c.get("unlike"):
            key = json.dumps(c["unlike"], sort_keys=True)
            if key not in reference:
                reference[key] = len(runs)
                runs.append({"inputs": c["unlike"], "click": c["click"], "read": []})
                owners.append(c)

    def simulate(responses):
        r = subprocess.run([node, sim], input=json.dumps({"html": html, "scripts": scripts, "runs": runs, "responses": responses}),
                           capture_output=True, text=True, timeout=30)
        return json.loads(r.stdout.strip().splitlines()[-1])["runs"]

    try:
        results = simulate({})
        # a page that calls the app: answer the GET requests it made with the app's own answers, and run again
        responses = {}
        for c, res in zip(owners, results):
            if not c.get("allowsRequests"):
                continue
            for u in res.get("requests", [])[:5]:
                if u in responses or re.match(r"^(https?:)?//", u):
                    continue
                try:
                    a = client.get(u)
                    responses[u] = {"status": a.status_code, "body": a.get_data(as_text=True)}
                except BaseException as e:  # noqa: BLE001
                    responses[u] = {"status": 500, "body": f"{type(e).__name__}: {e}"}
        if responses:
            results = simulate(responses)
    except Exception as e:  # noqa: BLE001
        return f"page checks not run: {e}"
    passed, failed = 0, 0
    for c, res in zip(checks, results):
        texts = res.get("texts", {})
        problems = []
        if res.get("error"):
            problems.append(f"the script failed: {res['error']}")
        for el, want in c.get("shows", {}).items():
            got = texts.get("*" if el == "*" else el)
            where = "the page" if el == "*" else f"#{el}"
            if got is None:
                problems.append(f"the page has no element with id=\"{el}\"")
                continue
            for t in want:
                if t.lower() not in got.lower():
                    problems.append(f"{where} shows {got[:120]!r}, expected it to show \"{t}\"")
        for el, bad in c.get("hides", {}).items():
            got = texts.get("*" if el == "*" else el) or ""
            where = "the page" if el == "*" else f"#{el}"
            for t in bad:
                if re.search(r"(?<![A-Za-z])%s(?![A-Za-z])" % re.escape(t), got, re.I):
                    problems.append(f"{where} shows {got[:120]!r}, which must not contain \"{t}\" for this input")
        # markup shown as text: the script wrote HTML with textContent (the user sees "<tr><td>…")
        typed = "".join(str(v) for v in c.get("inputs", {}).values())
        shown = texts.get("*") or ""
        markup = re.search(r"<(?:tr|td|th|li|ul|ol|table|tbody|div|span|p|br|b|strong|em)\b[^<>]*>", shown, re.I)
        if markup and "<" not in typed:
            start = max(0, markup.start() - 20)
            problems.append(f"the page shows HTML markup as text ({shown[start:start + 80]!r}): the script put HTML into "
                            "textContent; create the elements (document.createElement, appendChild) instead")
        for el in c.get("empty") or []:
            got = texts.get(el)
            if got is None:
                problems.append(f"the page has no element with id=\"{el}\"")
            elif got.strip():
                problems.append(f"#{el} still shows {got[:120]!r}; it must be emptied")
        filled = c.get("filled", [])
        if filled and not any((texts.get(el) or "").strip() for el in filled):
            problems.append(" and ".join(f"#{el}" for el in filled) + " show nothing after the click")
        if c.get("unlike"):
            ref = results[reference[json.dumps(c["unlike"], sort_keys=True)]]
            same = not ref.get("error") and (ref.get("texts", {}).get("*") or "").strip() == shown.strip()
            if not same and not re.search(r"\d", shown):
                problems.append(f"the page shows {shown.strip()[:120]!r}, no number: this value is valid (the description calls only "
                                "empty input and non-numeric input invalid), so it must get a result")
            if same:
                bad = ", ".join(f'{k}="{v}"' for k, v in sorted(c["unlike"].items()))
                problems.append(f"the page shows {shown.strip()[:120]!r}, the same as for the invalid input {bad}: "
                                "this value is valid (the description calls only empty and non-numeric input invalid), "
                                "so it must get a result")
        if res.get("requests") and not c.get("allowsRequests"):
            problems.append("the script sent a request to the server (" + ", ".join(res["requests"][:3]) + "); it must calculate in the browser")
        if problems:
            failed += 1
            if failed <= 5:
                typed = ", ".join(f'{k}="{v}"' for k, v in sorted(c["inputs"].items()))
                first = ""
                if c.get("before"):
                    first = "After typing " + ", ".join(f'{k}="{v}"' for k, v in sorted(c["before"].items())) + f" and clicking #{c['click']}, "
                down = " with the server down" if c.get("offline") else ""
                fail(c.get("file", page_file), f"{first}{'t' if first else 'T'}yping {typed} and clicking #{c['click']}{down}: " + "; ".join(problems)
                     + f'. The description says: "{c["source"]}"')
        else:
            passed += 1
    if failed > 5:
        fail(page_file, f"... and {failed - 5} more use(s) of the page that the description states do not work")
    return f"{passed} of {len(checks)} stated uses of the page work"


def port_open(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def check_serve(probes_and_pins):
    port = int(probes_and_pins["port"])
    if port_open(port):
        RESULT["ok"] = False
        RESULT["failures"].append({"file": None, "message": f"port {port} is already in use on 127.0.0.1; cannot start the app"})
        return
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env.pop("WERKZEUG_RUN_MAIN", None)
    env.pop("WERKZEUG_SERVER_FD", None)
    log = open(ROOT / ".deepcoder" / "serve.log", "wb") if (ROOT / ".deepcoder").is_dir() else subprocess.DEVNULL
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=str(ROOT), stdin=subprocess.DEVNULL, stdout=log,
                            stderr=subprocess.STDOUT, env=env, start_new_session=True)

    def tail():
        try:
            return (ROOT / ".deepcoder" / "serve.log").read_text(errors="replace")[-2000:]
        except OSError:
            return ""
    try:
        deadline = time.time() + 20
        while time.time() < deadline:
            if port_open(port):
                break
            if proc.poll() is not None:
                fail(project_file_from_tb(tail()), f"`python app.py` exited with code {proc.returncode} before opening port {port}:\n{tail()}")
                return
            time.sleep(0.2)
        else:
            fail("app.py", f"`python app.py` did not open port {port} on 127.0.0.1 within 20 s (it must call app.run(host=\"127.0.0.1\", port={port})):\n{tail()}")
            return
        time.sleep(0.3)
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as r:
                status = r.status
        except urllib.error.HTTPError as e:
            status = e.code
        except Exception as e:  # noqa: BLE001
            fail("app.py", f"GET http://127.0.0.1:{port}/ failed: {e}")
            return
        if status >= 500:
            fail(project_file_from_tb(tail()), f"GET / on the running app answered {status}:\n{tail()}")
        RESULT["summary"] = f"python app.py listened on {port}; GET / -> {status}"
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(timeout=5)
                break
            except subprocess.TimeoutExpired:
                continue
        t0 = time.time()
        while port_open(port) and time.time() - t0 < 5:
            time.sleep(0.1)


CHECKS = {"compile": check_compile, "templates": check_templates, "import": check_import,
          "routes": check_routes, "behaviour": check_behaviour, "pins": check_pins, "javascript": check_javascript, "serve": check_serve}


def main():
    name = sys.argv[1]
    data = json.loads(Path(sys.argv[2]).read_text()) if len(sys.argv) > 2 else {}
    arg = data.get("probes", []) if name == "routes" else data
    try:
        CHECKS[name](arg)
    except BaseException:  # noqa: BLE001
        fail(None, "harness error: " + traceback.format_exc())
    sys.stdout.flush()
    print("\n" + json.dumps(RESULT))


if __name__ == "__main__":
    main()
