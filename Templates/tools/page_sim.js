// Runs a page's JavaScript against a small DOM, as a user would use the page: type values into
// inputs, click a button, read what the page shows. Verification's `javascript` check uses it for
// the worked examples and invalid inputs a description states, so a page whose script computes the
// wrong thing (or nothing) fails verification instead of passing it.
//
// This is not a browser: it models what small calculator-style pages use (getElementById,
// querySelector by id/tag/class/name, value, textContent/innerText/innerHTML, append/prepend/
// replaceChildren, style.display, a table's insertRow/insertCell/deleteRow/rows/cells,
// hidden, classList, addEventListener, inline onclick/onsubmit, forms that submit, timers,
// DOMContentLoaded/load). A script that needs more fails with the missing name in the error.
//
// stdin: {"html": "...", "scripts": ["code", ...], "runs": [{"inputs": {"id": "value"}, "click": "id", "read": ["id"],
//                                                            "before": {"id": "value"}, "offline": false}],
//         "responses": {"/path?query": {"status": 200, "body": "..."}}}   (answers to the page's requests, optional)
// stdout: {"runs": [{"texts": {"id": "visible text"}, "error": null | "message", "alerts": [], "requests": []}]}
"use strict";
const vm = require("vm");

const VOID = new Set(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"]);
const RAW = new Set(["script", "style", "textarea", "title"]);

function decode(s) {
  return s.replace(/&(#x?[0-9a-fA-F]+|amp|lt|gt|quot|apos|nbsp);/g, (m, e) => {
    if (e[0] === "#") return String.fromCodePoint(e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " }[e];
  });
}

function parseAttrs(s) {
  const attrs = {};
  const re = /([^\s=\/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g;
  let m;
  while ((m = re.exec(s))) attrs[m[1].toLowerCase()] = decode(m[2] ?? m[3] ?? m[4] ?? "");
  return attrs;
}

class Node {
  constructor(doc) { this.ownerDocument = doc; this.parentNode = null; this.childNodes = []; }
  get parentElement() { return this.parentNode instanceof Element ? this.parentNode : null; }
  get textContent() { return this.childNodes.map((c) => c.textContent).join(""); }
  set textContent(v) { this.childNodes = []; this.appendChild(new Text(this.ownerDocument, v == null ? "" : String(v))); }
  appendChild(c) {
    if (c.parentNode) c.parentNode.removeChild(c);
    c.parentNode = this; this.childNodes.push(c); return c;
  }
  append(...cs) { for (const c of cs) this.appendChild(typeof c === "string" ? new Text(this.ownerDocument, c) : c); }
  prepend(...cs) { const first = this.firstChild; for (const c of cs) this.insertBefore(typeof c === "string" ? new Text(this.ownerDocument, c) : c, first); }
  replaceChildren(...cs) { for (const c of [...this.childNodes]) this.removeChild(c); this.append(...cs); }
  removeChild(c) { this.childNodes = this.childNodes.filter((x) => x !== c); c.parentNode = null; return c; }
  insertBefore(c, ref) {
    if (!ref) return this.appendChild(c);
    if (c.parentNode) c.parentNode.removeChild(c);
    c.parentNode = this; this.childNodes.splice(this.childNodes.indexOf(ref), 0, c); return c;
  }
  remove() { if (this.parentNode) this.parentNode.removeChild(this); }
  get children() { return this.childNodes.filter((c) => c instanceof Element); }
  get firstChild() { return this.childNodes[0] || null; }
  get lastChild() { return this.childNodes[this.childNodes.length - 1] || null; }
  *walk() { for (const c of this.childNodes) { if (c instanceof Element) { yield c; yield* c.walk(); } } }
}

class Text extends Node {
  constructor(doc, data) { super(doc); this.data = data; this.nodeType = 3; }
  get textContent() { return this.data; }
  set textContent(v) { this.data = String(v); }
}

class ClassList {
  constructor(el) { this.el = el; }
  get list() { return (this.el.getAttribute("class") || "").split(/\s+/).filter(Boolean); }
  set list(l) { this.el.setAttribute("class", l.join(" ")); }
  add(...c) { this.list = [...new Set([...this.list, ...c])]; }
  remove(...c) { this.list = this.list.filter((x) => !c.includes(x)); }
  contains(c) { return this.list.includes(c); }
  toggle(c, force) { const on = force === undefined ? !this.contains(c) : force; on ? this.add(c) : this.remove(c); return on; }
}

class Element extends Node {
  constructor(doc, tag, attrs) {
    super(doc);
    this.tagName = tag.toUpperCase(); this.localName = tag; this.nodeName = this.tagName; this.nodeType = 1;
    this.attributes = attrs || {};
    this.listeners = {};
    this.style = { display: "", visibility: "", setProperty(k, v) { this[k] = v; }, removeProperty(k) { this[k] = ""; } };
    const st = this.attributes.style || "";
    const d = /display\s*:\s*([\w-]+)/i.exec(st);
    if (d) this.style.display = d[1];
    this.classList = new ClassList(this);
    this.dataset = {};
    this._value = undefined;
    this.disabled = "disabled" in this.attributes;
    this.checked = "checked" in this.attributes;
  }
  getAttribute(k) { k = k.toLowerCase(); return k in this.attributes ? this.attributes[k] : null; }
  setAttribute(k, v) { this.attributes[k.toLowerCase()] = String(v); if (k.toLowerCase() === "style") { const d = /display\s*:\s*([\w-]+)/i.exec(String(v)); this.style.display = d ? d[1] : ""; } }
  removeAttribute(k) { delete this.attributes[k.toLowerCase()]; }
  hasAttribute(k) { return k.toLowerCase() in this.attributes; }
  get id() { return this.attributes.id || ""; }
  set id(v) { this.attributes.id = String(v); }
  get className() { return this.attributes.class || ""; }
  set className(v) { this.attributes.class = String(v); }
  get name() { return this.attributes.name || ""; }
  get type() { return (this.attributes.type || (this.localName === "button" ? "submit" : "text")).toLowerCase(); }
  set type(v) { this.attributes.type = String(v); }
  get hidden() { return "hidden" in this.attributes; }
  set hidden(v) { if (v) this.attributes.hidden = ""; else delete this.attributes.hidden; }
  get value() {
    if (this.localName === "select") {
      const opts = [...this.walk()].filter((e) => e.localName === "option");
      const sel = opts.find((o) => "selected" in o.attributes) || opts[0];
      return this._value !== undefined ? this._value : sel ? sel.value : "";
    }
    if (this.localName === "option") return this.attributes.value ?? this.textContent;
    if (this._value !== undefined) return this._value;
    if (this.localName === "textarea") return this.textContent;
    return this.attributes.value ?? "";
  }
  set value(v) {
    v = v == null ? "" : String(v);
    // a browser's number input holds only a valid number (typing "abc" leaves it empty)
    if (this.localName === "input" && this.type === "number" && v !== "" && !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v.trim())) v = "";
    this._value = v;
  }
  get valueAsNumber() { const v = this.value; return v === "" ? NaN : Number(v); }
  get innerText() { return this.textContent; }
  set innerText(v) { this.textContent = v; }
  get innerHTML() { return this.childNodes.map(serialize).join(""); }
  set innerHTML(v) { this.childNodes = []; parseInto(this, String(v == null ? "" : v)); }
  get outerHTML() { return serialize(this); }
  get form() { let p = this.parentNode; while (p && !(p instanceof Element && p.localName === "form")) p = p.parentNode; return p || null; }
  get elements() { const els = [...this.walk()].filter((e) => ["input", "select", "textarea", "button"].includes(e.localName)); for (const e of els) if (e.name) els[e.name] = e; return els; }
  addEventListener(t, f) { (this.listeners[t] = this.listeners[t] || []).push(f); }
  removeEventListener(t, f) { this.listeners[t] = (this.listeners[t] || []).filter((x) => x !== f); }
  dispatchEvent(ev) { return dispatch(this, ev); }
  focus() {} blur() {} select() {} scrollIntoView() {}
  reset() { for (const e of this.walk()) e._value = undefined; }
  submit() {}
  requestSubmit() { dispatch(this, makeEvent("submit", this)); }
  click() {
    const ev = makeEvent("click", this);
    dispatch(this, ev);
    if (!ev.defaultPrevented && (this.localName === "button" || (this.localName === "input" && ["submit", "image"].includes(this.type)))
        && this.type === "submit" && this.form) {
      const sub = makeEvent("submit", this.form);
      dispatch(this.form, sub);
      if (!sub.defaultPrevented) this.ownerDocument._navigations.push(this.form.getAttribute("action") || "");
    }
  }
  matches(sel) { return matchSelector(this, sel); }
  closest(sel) { let e = this; while (e instanceof Element) { if (matchSelector(e, sel)) return e; e = e.parentNode; } return null; }
  querySelector(sel) { return this.querySelectorAll(sel)[0] || null; }
  querySelectorAll(sel) { const out = [...this.walk()].filter((e) => sel.split(",").some((s) => matchSelector(e, s.trim()))); return out; }
  getElementsByTagName(t) { return [...this.walk()].filter((e) => t === "*" || e.localName === t.toLowerCase()); }
  getElementsByClassName(c) { return [...this.walk()].filter((e) => e.classList.contains(c)); }
  insertAdjacentHTML(pos, html) { const tmp = new Element(this.ownerDocument, "div", {}); parseInto(tmp, html); for (const c of [...tmp.childNodes]) this.appendChild(c); }
  // tables: a table's rows are those of its sections; a row is added to the last <tbody> (made when there is none)
  get rows() {
    const own = (e) => e.childNodes.filter((c) => c instanceof Element && c.localName === "tr");
    if (this.localName !== "table") return own(this);
    return [...own(this), ...this.children.filter((c) => ["thead", "tbody", "tfoot"].includes(c.localName)).flatMap(own)];
  }
  get cells() { return this.children.filter((c) => c.localName === "td" || c.localName === "th"); }
  get tBodies() { return this.children.filter((c) => c.localName === "tbody"); }
  createTBody() { return this.appendChild(new Element(this.ownerDocument, "tbody", {})); }
  insertRow(i = -1) {
    let host = this;
    if (this.localName === "table") { const b = this.tBodies; host = b.length ? b[b.length - 1] : this.createTBody(); }
    const rows = host.rows, row = new Element(this.ownerDocument, "tr", {});
    return i < 0 || i >= rows.length ? host.appendChild(row) : host.insertBefore(row, rows[i]);
  }
  deleteRow(i) { const rows = this.rows, r = rows[i < 0 ? rows.length - 1 : i]; if (r) r.remove(); }
  insertCell(i = -1) {
    const cells = this.cells, cell = new Element(this.ownerDocument, "td", {});
    return i < 0 || i >= cells.length ? this.appendChild(cell) : this.insertBefore(cell, cells[i]);
  }
}

function matchSimple(e, s) {
  const m = /^([a-zA-Z][\w-]*|\*)?((?:[#.][\w-]+|\[[^\]]+\])*)(?::[\w-]+(?:\([^)]*\))?)*$/.exec(s);
  if (!m) return false;
  if (m[1] && m[1] !== "*" && e.localName !== m[1].toLowerCase()) return false;
  const parts = m[2].match(/[#.][\w-]+|\[[^\]]+\]/g) || [];
  for (const p of parts) {
    if (p[0] === "#" && e.id !== p.slice(1)) return false;
    if (p[0] === "." && !e.classList.contains(p.slice(1))) return false;
    if (p[0] === "[") {
      const a = /^\[\s*([\w-]+)\s*(?:[~|^$*]?=\s*["']?([^"'\]]*)["']?)?\s*\]$/.exec(p);
      if (!a) return false;
      const v = e.getAttribute(a[1]);
      if (v === null || (a[2] !== undefined && v !== a[2])) return false;
    }
  }
  return true;
}

function matchSelector(e, sel) {
  const steps = sel.trim().split(/\s*>\s*|\s+/);
  if (!matchSimple(e, steps[steps.length - 1])) return false;
  let p = e.parentNode;
  for (let i = steps.length - 2; i >= 0; i--) {
    while (p instanceof Element && !matchSimple(p, steps[i])) p = p.parentNode;
    if (!(p instanceof Element)) return false;
    p = p.parentNode;
  }
  return true;
}

function serialize(n) {
  if (n instanceof Text) return n.data.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const a = Object.entries(n.attributes).map(([k, v]) => ` ${k}="${String(v).replace(/"/g, "&quot;")}"`).join("");
  return VOID.has(n.localName) ? `<${n.localName}${a}>` : `<${n.localName}${a}>${n.childNodes.map(serialize).join("")}</${n.localName}>`;
}

function parseInto(root, html) {
  const doc = root.ownerDocument;
  const re = /<!--[\s\S]*?-->|<!doctype[^>]*>|<\/([a-zA-Z][\w-]*)\s*>|<([a-zA-Z][\w-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>|[^<]+|</g;
  let cur = root, m;
  while ((m = re.exec(html))) {
    if (m[0].startsWith("<!")) continue;
    if (m[1]) {
      const t = m[1].toLowerCase();
      let p = cur;
      while (p !== root && !(p instanceof Element && p.localName === t)) p = p.parentNode;
      if (p !== root) cur = p.parentNode;
    } else if (m[2]) {
      const tag = m[2].toLowerCase();
      const el = new Element(doc, tag, parseAttrs(m[3].replace(/\/\s*$/, "")));
      cur.appendChild(el);
      if (RAW.has(tag)) {
        const end = html.toLowerCase().indexOf(`</${tag}`, re.lastIndex);
        const body = html.slice(re.lastIndex, end < 0 ? html.length : end);
        if (body) el.appendChild(new Text(doc, tag === "script" || tag === "style" ? body : decode(body)));
        re.lastIndex = end < 0 ? html.length : html.indexOf(">", end) + 1;
      } else if (!VOID.has(tag) && !m[3].trim().endsWith("/")) {
        cur = el;
      }
    } else {
      cur.appendChild(new Text(doc, decode(m[0])));
    }
  }
}

function makeEvent(type, target) {
  return {
    type, target, currentTarget: target, defaultPrevented: false, bubbles: true, _stop: false,
    preventDefault() { this.defaultPrevented = true; }, stopPropagation() { this._stop = true; }, stopImmediatePropagation() { this._stop = true; },
    key: "Enter",
  };
}

let inline = null;  // compiles inline handlers in the page's context
function dispatch(el, ev) {
  let node = el;
  while (node && !ev._stop) {
    ev.currentTarget = node;
    const attr = node.getAttribute ? node.getAttribute("on" + ev.type) : null;
    if (attr) { const r = inline(attr, node, ev); if (r === false) ev.preventDefault(); }
    if (node["on" + ev.type] && typeof node["on" + ev.type] === "function") { const r = node["on" + ev.type].call(node, ev); if (r === false) ev.preventDefault(); }
    for (const f of (node.listeners && node.listeners[ev.type]) || []) f.call(node, ev);
    if (!ev.bubbles) break;
    node = node.parentNode || (node === node.ownerDocument ? node.defaultView : null);
  }
  return !ev.defaultPrevented;
}

function visible(e) {
  for (let p = e; p instanceof Element; p = p.parentNode) {
    if (p.hidden || p.style.display === "none" || p.style.visibility === "hidden" || p.classList.contains("hidden") || p.classList.contains("d-none")) return false;
  }
  return true;
}

function text(e) {
  if (!e) return null;
  if (!visible(e)) return "";
  if (["input", "textarea", "output", "select"].includes(e.localName) && e._value !== undefined) return e.value;
  if (e.localName === "input") return e.value;
  return e.textContent.replace(/\s+/g, " ").trim();
}

async function run(html, scripts, step, responses) {
  const doc = new Node(null);
  doc.ownerDocument = doc;
  doc.nodeType = 9;
  doc._navigations = [];
  doc.listeners = {};
  doc.readyState = "loading";
  parseInto(doc, html);
  const all = () => [...doc.walk()];
  doc.documentElement = all().find((e) => e.localName === "html") || doc;
  doc.body = all().find((e) => e.localName === "body") || doc.documentElement;
  doc.head = all().find((e) => e.localName === "head") || doc.documentElement;
  doc.getElementById = (id) => all().find((e) => e.id === String(id)) || null;
  doc.querySelector = (s) => Element.prototype.querySelectorAll.call(doc, s)[0] || null;
  doc.querySelectorAll = (s) => Element.prototype.querySelectorAll.call(doc, s);
  doc.getElementsByTagName = (t) => Element.prototype.getElementsByTagName.call(doc, t);
  doc.getElementsByClassName = (c) => Element.prototype.getElementsByClassName.call(doc, c);
  doc.getElementsByName = (n) => all().filter((e) => e.name === n);
  doc.createElement = (t) => new Element(doc, String(t).toLowerCase(), {});
  doc.createTextNode = (s) => new Text(doc, String(s));
  doc.addEventListener = (t, f) => { (doc.listeners[t] = doc.listeners[t] || []).push(f); };
  doc.removeEventListener = (t, f) => { doc.listeners[t] = (doc.listeners[t] || []).filter((x) => x !== f); };
  doc.getAttribute = () => null;
  Object.defineProperty(doc, "forms", { get: () => all().filter((e) => e.localName === "form") });

  const alerts = [], requests = [], timers = [];
  let offline = false;  // the use being made with the server down (the page cannot see this flag)
  const win = {
    document: doc, alerts, console: { log() {}, error() {}, warn() {}, info() {}, debug() {} },
    alert: (m) => alerts.push(String(m)), confirm: () => true, prompt: () => null,
    setTimeout: (f, ms) => { timers.push(f); return timers.length; }, clearTimeout() {},
    setInterval: () => 0, clearInterval() {}, requestAnimationFrame: (f) => { timers.push(f); return timers.length; },
    // a request the harness has answered (`responses`, url → {status, body}) resolves with that
    // answer; any other request is recorded and never answers
    // with `offline` set (a use made while the server is down) every request fails as a browser's does
    fetch: (u) => {
      const url = String(u), r = responses[url];
      requests.push(url);
      if (offline) return Promise.reject(vm.runInContext('new TypeError("Failed to fetch")', ctx));
      if (!r) return new Promise(() => {});
      return Promise.resolve({ ok: r.status >= 200 && r.status < 300, status: r.status,
        json: () => Promise.resolve().then(() => JSON.parse(r.body)), text: () => Promise.resolve(r.body) });
    },
    XMLHttpRequest: function () {
      const x = this;
      x.readyState = 0; x.status = 0; x.responseText = "";
      x.open = (m, u) => { x._url = String(u); };
      x.setRequestHeader = () => {};
      x.send = () => {
        requests.push(x._url);
        if (offline) {
          timers.push(() => {
            x.readyState = 4; x.status = 0;
            if (typeof x.onreadystatechange === "function") x.onreadystatechange();
            if (typeof x.onerror === "function") x.onerror(makeEvent("error", x));
          });
          return;
        }
        const r = responses[x._url];
        if (!r) return;
        timers.push(() => {
          x.readyState = 4; x.status = r.status; x.responseText = r.body; x.response = r.body;
          if (typeof x.onreadystatechange === "function") x.onreadystatechange();
          if (typeof x.onload === "function") x.onload();
        });
      };
    },
    Intl, Math, Number, String, parseFloat, parseInt, isNaN, isFinite, JSON, Date, RegExp, Array, Object, Error, Promise,
    Event: function (t) { return makeEvent(t, null); },
    listeners: {}, location: { href: "http://127.0.0.1/", reload() {} }, navigator: { userAgent: "deepcoder-page-sim" },
    localStorage: { getItem: () => null, setItem() {}, removeItem() {} },
  };
  win.window = win; win.self = win; win.globalThis = win;
  win.addEventListener = (t, f) => { (win.listeners[t] = win.listeners[t] || []).push(f); };
  win.removeEventListener = () => {};
  win.getComputedStyle = (e) => ({ display: visible(e) ? "block" : "none", getPropertyValue: () => "" });
  doc.defaultView = win;
  const ctx = vm.createContext(win);
  inline = (code, el, ev) => vm.runInContext("(function(event){" + code + "\n})", ctx).call(el, ev);

  const out = { texts: {}, error: null, alerts, requests, navigations: doc._navigations };
  try {
    for (const [i, code] of scripts.entries()) vm.runInContext(code, ctx, { filename: `script #${i + 1}`, timeout: 2000 });
    doc.readyState = "complete";
    for (const t of ["DOMContentLoaded"]) { const ev = makeEvent(t, doc); for (const f of doc.listeners[t] || []) f.call(doc, ev); }
    for (const f of win.listeners.load || []) f.call(win, makeEvent("load", win));
    if (typeof win.onload === "function") win.onload(makeEvent("load", win));
    // a use the step starts from (`before`: typed and clicked first, with the server up), then the step
    const uses = step.before ? [{ inputs: step.before, click: step.click }, step] : [step];
    for (const [u, use] of uses.entries()) {
      offline = !!step.offline && u === uses.length - 1;
      for (const [id, v] of Object.entries(use.inputs || {})) {
        const e = doc.getElementById(id);
        if (!e) throw new Error(`the page has no element with id="${id}"`);
        e.value = v;
        dispatch(e, makeEvent("input", e)); dispatch(e, makeEvent("change", e));
      }
      if (use.click) {
        const b = doc.getElementById(use.click);
        if (!b) throw new Error(`the page has no element with id="${use.click}"`);
        b.click();
      }
      for (let n = 0; n < 50 && timers.length; n++) timers.shift()();
      // answered requests: let their promises and callbacks run
      for (let n = 0; n < 20 && (requests.length || offline); n++) {
        await new Promise((r) => setImmediate(r));
        for (let k = 0; k < 50 && timers.length; k++) timers.shift()();
      }
    }
  } catch (e) {
    out.error = (e && e.constructor && e.constructor.name ? e.constructor.name + ": " : "") + (e && e.message ? e.message : String(e));
  }
  for (const id of step.read || []) out.texts[id] = text(doc.getElementById(id));
  out.texts["*"] = all().filter((e) => e.id && !["input", "select", "textarea", "button", "script", "style"].includes(e.localName)).map(text).join(" | ");
  return out;
}

process.on("unhandledRejection", () => {});  // a page's own failed promise is its business
let input = "";
process.stdin.on("data", (d) => { input += d; });
process.stdin.on("end", () => {
  const job = JSON.parse(input);
  (async () => {
    const runs = [];
    for (const step of job.runs) runs.push(await run(job.html, job.scripts, step, job.responses || {}));
    process.stdout.write(JSON.stringify({ runs }) + "\n");
  })();
});
