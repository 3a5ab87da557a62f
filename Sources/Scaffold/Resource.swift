import Foundation

/// A collection of records a JSON API lists, creates, reads, changes and deletes: a route P and a
/// route P/<id> in the plan, with a create (POST P). What such routes do follows from the records'
/// fields alone, so the tool writes all of them: the store (in memory), ids that start at 1 and are
/// never given out twice, each field checked against its type, 404 for an unknown id. Small models
/// got this wrong in every part (the 0.5B listed `next_id` empty records and never stored one).
///
/// The fields come from explicit syntax: a JSON object the description writes with "id" and typed
/// placeholders or values (`{"id": <integer>, "name": <string>}`), else the body parameters the
/// model's plan lists for the create route.
struct Resource: Equatable {
    struct Field: Equatable { var name: String; var type: Contract.ValueType }

    var collection: String
    /// the item route as the plan has it (`/notes/<id>`); the tool declares `/notes/<int:item_id>`
    var item: String
    var fields: [Field]
    /// the collection and item methods the plan has
    var collectionMethods: [String]
    var itemMethods: [String]
    var createStatus = 201
    var deleteStatus = 200
    var invalidStatus = 400
    /// The SQLite file the records are kept in (next to app.py), when the description names SQLite;
    /// nil: in memory.
    var database: String? = nil

    /// The one resource of `plan`, when it has one.
    static func find(plan: ProjectPlan, contract: Contract, description: String) -> Resource? {
        // records kept per visitor (the session) are the model's to write, with the session guide
        guard plan.kind == .jsonAPI, contract.storage != "session" else { return nil }
        for create in plan.routes where create.method == "POST" && !create.path.contains("<") && create.path != "/" {
            let prefix = create.path.hasSuffix("/") ? create.path : create.path + "/"
            let items = plan.routes.filter { r in
                r.path.hasPrefix(prefix) && r.path.dropFirst(prefix.count).range(of: #"^<(?:int:)?[A-Za-z_]\w*>/?$"#, options: .regularExpression) != nil
            }
            guard let item = items.first?.path else { continue }
            guard let fields = recordFields(description, create: create.path, contract: contract), !fields.isEmpty else { return nil }
            var r = Resource(collection: create.path, item: item, fields: fields,
                             collectionMethods: plan.routes.filter { $0.path == create.path }.map(\.method),
                             itemMethods: items.map(\.method))
            r.createStatus = stated(in: description, method: "POST", path: create.path, range: 200..<300) ?? 201
            r.deleteStatus = stated(in: description, method: "DELETE", path: item, range: 200..<300) ?? 200
            r.invalidStatus = stated(in: description, method: "POST", path: create.path, range: 400..<500, excluding: [404, 405]) ?? 400
            if contract.storage == "sqlite" { r.database = ContractReader.databaseFileName(description) ?? "\(r.baseName).db" }
            return r
        }
        return nil
    }

    /// The record's fields (without "id"): the first object the description writes with an "id"
    /// key, typed by its placeholders or values; else the model's body parameters of the create route.
    static func recordFields(_ text: String, create: String, contract: Contract) -> [Field]? {
        for m in PinnedFacts.matches(#"\{[^{}]*"id"\s*:[^{}]*\}"#, in: text, options: []) {
            guard let object = m[0] else { continue }
            var out: [Field] = []
            for kv in PinnedFacts.matches(#""([A-Za-z_]\w*)"\s*:\s*(<[^>]*>|"[^"]*"|true|false|-?\d+(?:\.\d+)?)"#, in: object, options: []) {
                guard let name = kv[1], let value = kv[2], name != "id" else { continue }
                let type: Contract.ValueType
                if value.hasPrefix("<") {
                    type = Contract.ValueType(loose: String(value.dropFirst().dropLast())) ?? .string
                } else if value == "true" || value == "false" { type = .boolean }
                else if value.hasPrefix("\"") { type = .string }
                else { type = value.contains(".") ? .number : .integer }
                out.append(Field(name: name, type: type))
            }
            if !out.isEmpty { return out }
        }
        let params = contract.endpoints.first { $0.method == "POST" && $0.path == create }?.params.filter { $0.location != "path" && $0.location != "query" } ?? []
        let fields = params.filter { $0.name != "id" && $0.name.range(of: #"^[A-Za-z_]\w*$"#, options: .regularExpression) != nil }
            .map { Field(name: $0.name, type: $0.type ?? .string) }
        return fields.isEmpty ? nil : fields
    }

    /// A status the description writes on the line of `METHOD path` (the first in `range`).
    static func stated(in text: String, method: String, path: String, range: Range<Int>, excluding: Set<Int> = []) -> Int? {
        // the text from the route's mention up to the next route's mention
        let bare = RouteCompletion.normalized(path)
        let ns = text as NSString
        guard let routes = try? NSRegularExpression(pattern: #"\b(GET|POST|PUT|PATCH|DELETE)\s+(/[^\s?,;)]*)"#) else { return nil }
        let mentions = routes.matches(in: text, range: NSRange(location: 0, length: ns.length))
        for (i, m) in mentions.enumerated() {
            guard ns.substring(with: m.range(at: 1)) == method,
                  RouteCompletion.normalized(ns.substring(with: m.range(at: 2)).trimmingCharacters(in: CharacterSet(charactersIn: ".:"))) == bare else { continue }
            let start = m.range.location + m.range.length
            let end = i + 1 < mentions.count ? mentions[i + 1].range.location : ns.length
            let part = ns.substring(with: NSRange(location: start, length: max(0, end - start)))
            for s in PinnedFacts.matches(#"\b([1-5]\d\d)\b"#, in: part, options: []).compactMap({ $0[1].flatMap(Int.init) })
            where range.contains(s) && !excluding.contains(s) { return s }
        }
        return nil
    }

    /// The routes this resource answers (the plan's, for `completeRoutes` to leave alone).
    func answers(_ route: PlannedRoute) -> Bool {
        (route.path == collection && collectionMethods.contains(route.method))
            || (RouteCompletion.normalized(route.path) == RouteCompletion.normalized(item) && itemMethods.contains(route.method))
    }

    /// The Python name stem of the collection (`/api/notes` → `notes`).
    var baseName: String {
        let last = collection.split(separator: "/").last.map(String.init)?.lowercased()
            .replacingOccurrences(of: #"[^a-z0-9]+"#, with: "_", options: .regularExpression) ?? ""
        guard let first = last.first, first.isLetter else { return "items" }
        return last
    }

    /// The import lines the views need beyond the skeleton's.
    var imports: [String] { database == nil ? [] : ["import json", "import os", "import sqlite3"] }

    /// The views, as Python source for the tool's app.py.
    var source: String { database == nil ? memorySource : sqliteSource }

    /// `<base>_fields(data, partial)`: a JSON body checked against the fields' types.
    private var fieldsFunction: [String] {
        let base = baseName
        var py: [String] = []
        py.append("def \(base)_fields(data, partial):")
        py.append("    \"\"\"The record's fields from a JSON body: (fields, None), or (None, what is wrong).\"\"\"")
        py.append("    if not isinstance(data, dict):")
        py.append("        return None, \"the body must be a JSON object\"")
        py.append("    fields = {}")
        for f in fields {
            let key = "\"\(f.name)\""
            let (test, says): (String, String)
            switch f.type {
            case .boolean: (test, says) = ("isinstance(value, bool)", "true or false")
            case .integer: (test, says) = ("isinstance(value, int) and not isinstance(value, bool)", "a whole number")
            case .number: (test, says) = ("isinstance(value, (int, float)) and not isinstance(value, bool)", "a number")
            case .list: (test, says) = ("isinstance(value, list)", "a list")
            default: (test, says) = ("isinstance(value, str) and value.strip() != \"\"", "a non-empty string")
            }
            py.append("    if \(key) in data:")
            py.append("        value = data[\(key)]")
            py.append("        if not (\(test)):")
            py.append("            return None, \"\(f.name) must be \(says)\"")
            py.append("        fields[\(key)] = value")
            py.append("    elif not partial:")
            if f.type == .boolean {
                py.append("        fields[\(key)] = False")
            } else if f.type == .list {
                py.append("        fields[\(key)] = []")
            } else {
                py.append("        return None, \"\(f.name) is required\"")
            }
        }
        py.append("    return fields, None")
        return py
    }

    private var itemRoute: String { String(item[..<item.range(of: "<")!.lowerBound]) + "<int:item_id>" }

    private var memorySource: String {
        let base = baseName
        var py: [String] = []
        py.append("# \(collection): records kept in memory, in creation order; ids start at 1 and are never given out twice.")
        py.append("\(base)_store = {}")
        py.append("\(base)_next_id = 1")
        py.append("")
        py.append("")
        py += fieldsFunction
        if collectionMethods.contains("GET") {
            py += ["", "", "@app.route(\"\(collection)\", methods=[\"GET\"])", "def list_\(base)():",
                   "    return jsonify(list(\(base)_store.values()))"]
        }
        if collectionMethods.contains("POST") {
            py += ["", "", "@app.route(\"\(collection)\", methods=[\"POST\"])", "def create_\(base)():",
                   "    global \(base)_next_id",
                   "    fields, problem = \(base)_fields(request.get_json(silent=True), partial=False)",
                   "    if problem:", "        return jsonify({\"error\": problem}), \(invalidStatus)",
                   "    record = {\"id\": \(base)_next_id, **fields}",
                   "    \(base)_store[\(base)_next_id] = record",
                   "    \(base)_next_id += 1",
                   "    return jsonify(record), \(createStatus)"]
        }
        let notFound = ["    if record is None:", "        return jsonify({\"error\": f\"no record with id {item_id}\"}), 404"]
        if itemMethods.contains("GET") {
            py += ["", "", "@app.route(\"\(itemRoute)\", methods=[\"GET\"])", "def get_\(base)_item(item_id):",
                   "    record = \(base)_store.get(item_id)"] + notFound + ["    return jsonify(record)"]
        }
        let updates = itemMethods.filter { $0 == "PUT" || $0 == "PATCH" }
        if !updates.isEmpty {
            py += ["", "", "@app.route(\"\(itemRoute)\", methods=[\(updates.map { "\"\($0)\"" }.joined(separator: ", "))])",
                   "def update_\(base)_item(item_id):",
                   "    record = \(base)_store.get(item_id)"] + notFound + [
                   "    fields, problem = \(base)_fields(request.get_json(silent=True), partial=True)",
                   "    if problem:", "        return jsonify({\"error\": problem}), \(invalidStatus)",
                   "    record.update(fields)",
                   "    return jsonify(record)"]
        }
        if itemMethods.contains("DELETE") {
            py += ["", "", "@app.route(\"\(itemRoute)\", methods=[\"DELETE\"])", "def delete_\(base)_item(item_id):",
                   "    record = \(base)_store.pop(item_id, None)"] + notFound
            py.append(deleteStatus == 204 ? "    return \"\", 204" : "    return jsonify(record), \(deleteStatus)")
        }
        return py.joined(separator: "\n")
    }

    /// The same views over an SQLite file: one table, a column per field, ids from AUTOINCREMENT
    /// (never given out twice, also after a restart). `<BASE>_DB` in the environment moves the file.
    private var sqliteSource: String {
        let base = baseName
        let columns = fields.map { f -> String in
            let type: String
            switch f.type {
            case .integer, .boolean: type = "INTEGER"
            case .number: type = "REAL"
            default: type = "TEXT"
            }
            return "\"\(f.name)\" \(type)"
        }
        let names = fields.map { "\"\($0.name)\"" }
        var py: [String] = []
        py.append("# \(collection): records kept in the SQLite file \(database!) next to app.py, in creation order; ids start at 1")
        py.append("# and are never given out twice, also after a restart.")
        py.append("\(base.uppercased())_DB = os.environ.get(\"\(base.uppercased())_DB\", os.path.join(os.path.dirname(os.path.abspath(__file__)), \"\(database!)\"))")
        py.append("")
        py.append("")
        py.append("def \(base)_db():")
        py.append("    conn = sqlite3.connect(\(base.uppercased())_DB)")
        py.append("    conn.execute('CREATE TABLE IF NOT EXISTS \"\(base)\" (id INTEGER PRIMARY KEY AUTOINCREMENT, \(columns.joined(separator: ", ")))')")
        py.append("    return conn")
        py.append("")
        py.append("")
        py.append("def \(base)_record(row):")
        py.append("    record = {\"id\": row[0]}")
        for (i, f) in fields.enumerated() {
            let cell = "row[\(i + 1)]"
            switch f.type {
            case .boolean: py.append("    record[\"\(f.name)\"] = bool(\(cell))")
            case .list: py.append("    record[\"\(f.name)\"] = json.loads(\(cell)) if \(cell) is not None else []")
            default: py.append("    record[\"\(f.name)\"] = \(cell)")
            }
        }
        py.append("    return record")
        py.append("")
        py.append("")
        py.append("def \(base)_values(fields):")
        py.append("    return [" + fields.map { f -> String in
            f.type == .list ? "json.dumps(fields[\"\(f.name)\"])" : f.type == .boolean ? "int(fields[\"\(f.name)\"])" : "fields[\"\(f.name)\"]"
        }.joined(separator: ", ") + "]")
        py.append("")
        py.append("")
        py.append("def \(base)_find(conn, item_id):")
        py.append("    row = conn.execute('SELECT id, \(names.joined(separator: ", ")) FROM \"\(base)\" WHERE id = ?', (item_id,)).fetchone()")
        py.append("    return \(base)_record(row) if row else None")
        py.append("")
        py.append("")
        py += fieldsFunction
        py.append("")
        py.append("")
        py.append("\(base)_db().close()  # the table exists from the start")
        let notFound = ["    if record is None:", "        return jsonify({\"error\": f\"no record with id {item_id}\"}), 404"]
        if collectionMethods.contains("GET") {
            py += ["", "", "@app.route(\"\(collection)\", methods=[\"GET\"])", "def list_\(base)():",
                   "    conn = \(base)_db()",
                   "    try:",
                   "        rows = conn.execute('SELECT id, \(names.joined(separator: ", ")) FROM \"\(base)\" ORDER BY id').fetchall()",
                   "    finally:", "        conn.close()",
                   "    return jsonify([\(base)_record(row) for row in rows])"]
        }
        if collectionMethods.contains("POST") {
            py += ["", "", "@app.route(\"\(collection)\", methods=[\"POST\"])", "def create_\(base)():",
                   "    fields, problem = \(base)_fields(request.get_json(silent=True), partial=False)",
                   "    if problem:", "        return jsonify({\"error\": problem}), \(invalidStatus)",
                   "    conn = \(base)_db()",
                   "    try:",
                   "        cur = conn.execute('INSERT INTO \"\(base)\" (\(names.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: fields.count).joined(separator: ", ")))', \(base)_values(fields))",
                   "        conn.commit()",
                   "        record = \(base)_find(conn, cur.lastrowid)",
                   "    finally:", "        conn.close()",
                   "    return jsonify(record), \(createStatus)"]
        }
        if itemMethods.contains("GET") {
            py += ["", "", "@app.route(\"\(itemRoute)\", methods=[\"GET\"])", "def get_\(base)_item(item_id):",
                   "    conn = \(base)_db()",
                   "    try:", "        record = \(base)_find(conn, item_id)", "    finally:", "        conn.close()"] + notFound + ["    return jsonify(record)"]
        }
        let updates = itemMethods.filter { $0 == "PUT" || $0 == "PATCH" }
        if !updates.isEmpty {
            py += ["", "", "@app.route(\"\(itemRoute)\", methods=[\(updates.map { "\"\($0)\"" }.joined(separator: ", "))])",
                   "def update_\(base)_item(item_id):",
                   "    conn = \(base)_db()",
                   "    try:",
                   "        record = \(base)_find(conn, item_id)",
                   "        if record is None:", "            return jsonify({\"error\": f\"no record with id {item_id}\"}), 404",
                   "        fields, problem = \(base)_fields(request.get_json(silent=True), partial=True)",
                   "        if problem:", "            return jsonify({\"error\": problem}), \(invalidStatus)",
                   "        record.update(fields)",
                   "        conn.execute('UPDATE \"\(base)\" SET \(names.map { "\($0) = ?" }.joined(separator: ", ")) WHERE id = ?', \(base)_values(record) + [item_id])",
                   "        conn.commit()",
                   "    finally:", "        conn.close()",
                   "    return jsonify(record)"]
        }
        if itemMethods.contains("DELETE") {
            py += ["", "", "@app.route(\"\(itemRoute)\", methods=[\"DELETE\"])", "def delete_\(base)_item(item_id):",
                   "    conn = \(base)_db()",
                   "    try:",
                   "        record = \(base)_find(conn, item_id)",
                   "        if record is not None:",
                   "            conn.execute('DELETE FROM \"\(base)\" WHERE id = ?', (item_id,))",
                   "            conn.commit()",
                   "    finally:", "        conn.close()"] + notFound
            py.append(deleteStatus == 204 ? "    return \"\", 204" : "    return jsonify(record), \(deleteStatus)")
        }
        return py.joined(separator: "\n")
    }

    /// What the tool decided for the report and the README.
    var decisions: [String] {
        var out = [database.map { "\(collection) keeps its records in the SQLite file \($0) next to app.py (one column per field); ids start at 1 and are never given out twice" }
                   ?? "\(collection) keeps its records in memory; ids start at 1 and are never given out twice"]
        let defaults = fields.filter { $0.type == .boolean || $0.type == .list }
        if !defaults.isEmpty {
            out.append("a new record without " + defaults.map(\.name).joined(separator: " or ") + " gets "
                       + defaults.map { $0.type == .boolean ? "\($0.name) false" : "\($0.name) []" }.joined(separator: ", "))
        }
        if fields.contains(where: { $0.type == .string }) { out.append("empty text is refused with status \(invalidStatus)") }
        return out
    }
}
