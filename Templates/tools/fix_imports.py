"""Adds the imports a generated Python file uses but lacks (deepcoder's ImportFixer).

    python fix_imports.py FILE [--rename-only]

First, a local that hides a builtin its own function calls (`sum = sum(values)`, which raises
UnboundLocalError) is renamed in that function (`sum_value`); the calls keep the builtin. Then the
imports (not with --rename-only).

Prints {"source": <fixed text>, "added": ["from wtforms.validators import Length", ...],
"unknown": [names read but bound nowhere and not in the tables]}. Only names that are read,
bound nowhere in the module and not builtins are looked up; a library name gets its import, added
to an existing `from X import ...` of the same module when there is one, else on a new line after
the last top-level import. No other line changes. A file that does not parse comes back unchanged.
"""
import ast
import importlib
import builtins
import json
import re
import sys

# modules a generated app uses whole (`import math`, then `math.pi`)
MODULES = ["math", "re", "json", "datetime", "statistics", "sqlite3", "os", "random", "string", "time", "uuid", "html",
           "decimal", "fractions", "itertools", "collections", "functools", "operator", "calendar", "secrets", "hashlib",
           "csv", "io"]

FLASK = ["Flask", "request", "jsonify", "render_template", "render_template_string", "redirect", "url_for", "session",
         "abort", "flash", "make_response", "Response", "send_from_directory", "g", "current_app", "get_flashed_messages"]
MARKUPSAFE = ["escape", "Markup"]
FLASK_WTF = ["FlaskForm", "CSRFProtect"]

# used when wtforms is not installed for this python (WTForms 3.x)
FALLBACK_FIELDS = ["BooleanField", "DecimalField", "DateField", "DateTimeField", "DateTimeLocalField", "FieldList",
                   "FloatField", "FormField", "IntegerField", "RadioField", "SelectField", "SelectMultipleField",
                   "StringField", "TimeField", "MonthField", "WeekField", "DecimalRangeField", "IntegerRangeField",
                   "EmailField", "SearchField", "TelField", "URLField", "ColorField", "FileField", "MultipleFileField",
                   "HiddenField", "PasswordField", "SubmitField", "ButtonField", "TextAreaField", "Field", "Flags", "Label",
                   "SelectFieldBase"]
FALLBACK_VALIDATORS = ["DataRequired", "Email", "EqualTo", "IPAddress", "InputRequired", "Length", "MacAddress",
                       "NumberRange", "Optional", "Regexp", "URL", "UUID", "AnyOf", "NoneOf", "ReadOnly", "Disabled",
                       "DateRange", "ValidationError", "StopValidation"]

# names that also mean something else (typing.Optional, uuid.UUID): taken from wtforms only in a
# file that already works with wtforms
AMBIGUOUS = {"Optional", "UUID"}

MODULE_DUNDERS = {"__name__", "__file__", "__doc__", "__spec__", "__loader__", "__package__", "__builtins__",
                  "__path__", "__annotations__", "__dict__", "__cached__"}


def wtforms_tables():
    """(field names -> module, validator names) from the installed wtforms, else the fallback lists."""
    try:
        import wtforms
        import wtforms.fields
        import wtforms.validators
    except Exception:
        return {n: "wtforms" for n in FALLBACK_FIELDS}, list(FALLBACK_VALIDATORS)
    names = getattr(wtforms.fields, "__all__", None) or [n for n, v in vars(wtforms.fields).items() if isinstance(v, type)]
    fields = {n: ("wtforms" if hasattr(wtforms, n) else "wtforms.fields") for n in names if n[:1].isupper()}
    validators = [n for n in getattr(wtforms.validators, "__all__", dir(wtforms.validators))
                  if n[:1].isupper() and isinstance(getattr(wtforms.validators, n, None), type)]
    return fields, validators


def flask_names():
    try:
        import flask
    except Exception:
        return list(FLASK)
    return [n for n in FLASK if hasattr(flask, n)]


def table():
    """name -> (module, whole): whole modules map to themselves."""
    t = {}
    for m in MODULES:
        t.setdefault(m, (m, True))
    for n in flask_names():
        t.setdefault(n, ("flask", False))
    for n in MARKUPSAFE:
        t.setdefault(n, ("markupsafe", False))
    for n in FLASK_WTF:
        t.setdefault(n, ("flask_wtf", False))
    fields, validators = wtforms_tables()
    for n, m in fields.items():
        t.setdefault(n, (m, False))
    for n in validators:
        t.setdefault(n, ("wtforms.validators", False))
    return t


def bound_and_read(tree):
    """Names bound anywhere in the module; names read, with their first position; names used as `X[...]`."""
    bound, read, subscripted = set(), {}, set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                pos = (node.lineno, node.col_offset)
                if node.id not in read or pos < read[node.id]:
                    read[node.id] = pos
            else:
                bound.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for a in node.names:
                if a.name != "*":
                    bound.add(a.asname or a.name.split(".")[0])
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            bound.update(node.names)
        elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            subscripted.add(node.value.id)
        else:
            # match patterns (MatchAs/MatchStar name, MatchMapping rest) and type parameters
            for attr in ("name", "rest"):
                v = getattr(node, attr, None) if type(node).__name__.startswith(("Match", "Type", "Param")) else None
                if isinstance(v, str):
                    bound.add(v)
    return bound, read, subscripted


def star_modules(tree):
    return {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level == 0
            and any(a.name == "*" for a in n.names)}


def uses_wtforms(tree):
    for n in ast.walk(tree):
        if isinstance(n, ast.ImportFrom) and n.level == 0 and n.module and n.module.split(".")[0] in ("wtforms", "flask_wtf"):
            return True
        if isinstance(n, ast.Import) and any(a.name.split(".")[0] in ("wtforms", "flask_wtf") for a in n.names):
            return True
    return False


def col(line, offset):
    """Character index of the UTF-8 byte offset `offset` in `line`."""
    return len(line.encode("utf-8")[:offset].decode("utf-8", errors="ignore"))


# modules whose names may be imported one by one, in order of preference
FROM_MODULES = ["math", "statistics", "datetime", "random", "string", "re", "json", "html", "collections", "functools", "itertools"]


def _module(name):
    try:
        return importlib.import_module(name)
    except Exception:  # noqa: BLE001
        return None


def fix(text):
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return text, [], []
    bound, read, subscripted = bound_and_read(tree)
    skip = set(dir(builtins)) | MODULE_DUNDERS | bound
    unbound = sorted((n for n in read if n not in skip), key=lambda n: read[n])
    if not unbound:
        return text, [], []
    t = table()
    stars = star_modules(tree)
    wt = uses_wtforms(tree)
    wanted, unknown = [], []  # (name, module, whole)
    for n in unbound:
        entry = t.get(n)
        if entry and entry[0] in stars:
            continue  # `from X import *` brings it
        if entry and n in AMBIGUOUS and entry[0].startswith("wtforms") and (not wt or n in subscripted):
            entry = None
        if not entry and not n.startswith("_"):
            # a function or constant of a module the table imports whole (`isfinite` is math.isfinite)
            entry = next(((m, False) for m in FROM_MODULES if hasattr(_module(m), n)), None)
        if entry:
            wanted.append((n, entry[0], entry[1]))
        else:
            unknown.append(n)
    if not wanted:
        return text, [], unknown

    lines = text.splitlines(keepends=True)
    newline = "\r\n" if "\r\n" in text else "\n"
    replaced = {}   # line index -> new text
    inserts = {}    # line index -> lines to insert before it
    top = [s for s in tree.body if isinstance(s, (ast.Import, ast.ImportFrom))]
    if top:
        anchor = max(s.end_lineno for s in top)
    elif tree.body and isinstance(tree.body[0], ast.Expr) and isinstance(getattr(tree.body[0], "value", None), ast.Constant) \
            and isinstance(tree.body[0].value.value, str):
        anchor = tree.body[0].end_lineno
    else:
        anchor = 0
        while anchor < len(lines) and (lines[anchor].startswith("#!") or re.match(r"^[ \t\f]*#.*?coding[:=]", lines[anchor])):
            anchor += 1
    new_lines = []
    added = []

    groups = {}  # module -> names, in first-use order
    order = []
    for n, m, whole in wanted:
        if whole:
            order.append((m, True))
            added.append("import " + m)
        else:
            if m not in groups:
                groups[m] = []
                order.append((m, False))
            groups[m].append(n)
            added.append("from %s import %s" % (m, n))

    for m, whole in order:
        if whole:
            new_lines.append("import " + m + newline)
            continue
        names = groups[m]
        existing = next((s for s in top if isinstance(s, ast.ImportFrom) and s.level == 0 and s.module == m
                         and all(a.name != "*" for a in s.names)), None)
        if existing is None:
            new_lines.append("from %s import %s%s" % (m, ", ".join(names), newline))
            continue
        last = existing.names[-1]
        end_i = existing.end_lineno - 1
        end_line = replaced.get(end_i, lines[end_i])
        close = col(end_line, existing.end_col_offset) - 1
        parenthesised = end_line[close:close + 1] == ")"
        if parenthesised and end_line[:close].strip() == "" and last.end_lineno - 1 < end_i:
            # `)` on its own line: one name a line, indented like the last name
            li = last.end_lineno - 1
            ll = replaced.get(li, lines[li])
            lc = col(ll, last.end_col_offset)
            between = "".join(lines[li:end_i])[lc:] if li < end_i else ""
            if "," not in between.split("#")[0]:
                ll = ll[:lc] + "," + ll[lc:]
                replaced[li] = ll
            indent = re.match(r"[ \t]*", ll).group(0)
            inserts.setdefault(end_i, []).extend(indent + n + "," + newline for n in names)
        else:
            li = last.end_lineno - 1
            ll = replaced.get(li, lines[li])
            lc = col(ll, last.end_col_offset)
            replaced[li] = ll[:lc] + "".join(", " + n for n in names) + ll[lc:]

    for i, s in replaced.items():
        lines[i] = s
    if new_lines:
        if anchor >= len(lines) and lines and not lines[-1].endswith(("\n", "\r")):
            lines[-1] += newline
        inserts.setdefault(anchor, [])
        inserts[anchor] = inserts[anchor] + new_lines
    for i in sorted(inserts, reverse=True):
        lines[i:i] = inserts[i]
    return "".join(lines), added, unknown


def _own_nodes(fn):
    """The nodes of a function's body in its own scope: not its decorators, annotations and defaults
    (evaluated outside it), nor those of functions, classes and lambdas inside it."""
    stack = list(fn.body)
    while stack:
        n = stack.pop()
        yield n
        if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(n))


def rename_shadowed_builtins(text):
    """A function that assigns a local named like a builtin it also calls (`sum = sum(values)`, then
    `max = max(values)`) raises UnboundLocalError on its first line: Python makes the name local to
    the whole function. That local is renamed (`sum_value`) everywhere in the function except where
    it is called, so the calls keep the builtin. Returns the source and a note per rename."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return text, []
    builtin_names = set(dir(builtins))
    module_names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    edits, notes = [], []  # (line, byte col, length, new name)
    for fn in ast.walk(tree):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        nodes = list(_own_nodes(fn))
        a = fn.args
        params = {x.arg for x in a.posonlyargs + a.args + a.kwonlyargs} | {x.arg for x in (a.vararg, a.kwarg) if x}
        declared = {name for n in nodes if isinstance(n, (ast.Global, ast.Nonlocal)) for name in n.names}
        stored = {n.id for n in nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) and n.id in builtin_names}
        calls = [n.func for n in nodes if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
        first_store = {}
        for n in nodes:
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) and n.id in stored:
                first_store[n.id] = min(first_store.get(n.id, n.lineno), n.lineno)
        # only where the builtin is called on or before the line that first assigns the local: there the
        # local is still unbound (`sum = sum(xs)`); a local assigned first and then called is meant
        hiding = {f.id for f in calls if f.id in first_store and f.lineno <= first_store[f.id]}
        for name in sorted(hiding - declared - params):
            new = name + "_value"
            while new in module_names or new in params:
                new += "_"
            called = {id(f) for f in calls if f.id == name}
            for n in nodes:
                if isinstance(n, ast.Name) and n.id == name and id(n) not in called:
                    edits.append((n.lineno, n.col_offset, len(name.encode("utf-8")), new))
            module_names.add(new)
            notes.append("renamed the local %s to %s in %s(): it hid the builtin %s() the function calls" % (name, new, fn.name, name))
    if not edits:
        return text, []
    lines = text.split("\n")
    for line, offset, length, new in sorted(edits, reverse=True):
        raw = lines[line - 1].encode("utf-8")
        lines[line - 1] = (raw[:offset] + new.encode("utf-8") + raw[offset + length:]).decode("utf-8", errors="replace")
    out = "\n".join(lines)
    try:
        ast.parse(out)
    except (SyntaxError, ValueError):
        return text, []  # an edit landed wrongly: keep the file as it was
    return out, notes


def main():
    with open(sys.argv[1], encoding="utf-8", newline="") as f:
        text = f.read()
    text, renamed = rename_shadowed_builtins(text)
    if "--rename-only" in sys.argv[2:]:
        print(json.dumps({"source": text, "added": renamed, "unknown": []}))
        return
    source, added, unknown = fix(text)
    print(json.dumps({"source": source, "added": renamed + added, "unknown": unknown}))


if __name__ == "__main__":
    main()
