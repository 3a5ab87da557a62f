import XCTest
@testable import Scaffold

/// A form app of several pages: where its form posts, what a valid submission redirects to, where
/// its records live, and the list answer a view wraps in an object. Descriptions of their own,
/// phrased several ways.
final class FormFlowTests: XCTestCase {
    static func plan(post path: String, fields: [PlannedField], pages: [String]) -> ProjectPlan {
        ProjectPlan(kind: .wtforms, port: 5400,
                    files: [PlannedFile(path: "app.py", purpose: "app"), PlannedFile(path: "forms.py", purpose: "form")]
                        + pages.map { PlannedFile(path: $0, purpose: "page") },
                    routes: [PlannedRoute(method: "GET", path: path, purpose: "form"), PlannedRoute(method: "POST", path: path, purpose: "send"),
                             PlannedRoute(method: "GET", path: "/", purpose: "home")],
                    forms: [PlannedForm(className: "SignupForm", fields: fields + [PlannedField(name: "submit", type: "SubmitField", label: "Go")])])
    }

    static let fields = [PlannedField(name: "nickname", type: "StringField", label: "Nickname"),
                         PlannedField(name: "mail", type: "EmailField", label: "Mail"),
                         PlannedField(name: "secret", type: "PasswordField", label: "Secret"),
                         PlannedField(name: "again", type: "PasswordField", label: "Again")]

    func testValidSubmissionRedirectsAndTheNextPageShowsTheValueSent() throws {
        let descriptions = [
            """
            A newsletter sign-up with Flask-WTF on port 5400. GET /join shows a form with nickname, mail, secret and again.
            nickname uses Length(min=2, max=6); again uses EqualTo("secret").
            A valid sign-up stores the member and redirects (303) to /thanks, which shows "Thanks for joining, <nickname>." for that member.
            """,
            "flask-wtf join form on port 5400 (nickname, mail, secret, again). nickname: Length(min=2, max=6). when it validates, redirect to /thanks; that page says \"Hi <nickname>\".",
        ]
        for (i, text) in descriptions.enumerated() {
            let spec = ProjectSpec(description: text)
            let checks = BehaviourRules.formChecks(spec, plan: Self.plan(post: "/join", fields: Self.fields, pages: ["templates/join.html", "templates/thanks.html"]))
            let labels = checks.map(\.expectation).joined(separator: "\n")
            guard checks.count == 2 else { XCTFail("expected the post and the next page: \(labels)"); continue }
            let post = checks[0]
            XCTAssertEqual(post.method, "POST")
            XCTAssertEqual(post.status, i == 0 ? [303] : [301, 302, 303, 307, 308], labels)
            XCTAssertEqual(post.location, "/thanks")
            // the sample text fits Length(max=6), and the repeated password equals the first
            let form = try XCTUnwrap(post.form)
            XCTAssertEqual(form["nickname"]?.count, 6, labels)
            XCTAssertEqual(form["again"], form["secret"])
            XCTAssertEqual(checks[1].url, "/thanks")
            XCTAssertEqual(checks[1].texts, [i == 0 ? "Thanks for joining, \(form["nickname"]!)." : "Hi \(form["nickname"]!)"], labels)
        }
    }

    func testNoRedirectStatedKeepsTheOpenStatuses() {
        for text in [
            "A contact form with Flask-WTF on port 5400: nickname, mail. After sending, the page shows \"Sent\".",
            // a redirect for errors is not the valid submission's
            "A Flask-WTF form on port 5400 with nickname and mail. On an invalid entry, redirect to /join again.",
        ] {
            let checks = BehaviourRules.formChecks(ProjectSpec(description: text), plan: Self.plan(post: "/join", fields: Array(Self.fields.prefix(2)), pages: ["templates/join.html"]))
            XCTAssertEqual(checks.count, 1, text)
            XCTAssertEqual(checks.first?.status, [200, 201, 302, 303], text)
            XCTAssertNil(checks.first?.location, text)
        }
    }

    func testFormPostsToTheRouteNamedLikeItsTemplate() {
        let routes = [PlannedRoute(method: "GET", path: "/join", purpose: ""), PlannedRoute(method: "POST", path: "/join", purpose: ""),
                      PlannedRoute(method: "POST", path: "/feedback", purpose: ""), PlannedRoute(method: "GET", path: "/", purpose: "")]
        XCTAssertEqual(FilePrompts.formAction(template: "templates/join.html", routes: routes), "/join")
        XCTAssertEqual(FilePrompts.formAction(template: "templates/feedback.html", routes: routes), "/feedback")
        // no name matches: the only POST route, else "/"
        XCTAssertEqual(FilePrompts.formAction(template: "templates/index.html", routes: Array(routes.prefix(2))), "/join")
        XCTAssertEqual(FilePrompts.formAction(template: "templates/index.html", routes: routes), "/")
    }

    func testRecordsKeptInMemoryEvenWhenTheSessionRemembersAValue() {
        XCTAssertEqual(ContractReader.explicitStorage("Members are kept in memory; the session remembers who signed in."), "memory")
        XCTAssertEqual(ContractReader.explicitStorage("an in-memory guestbook"), "memory")
        XCTAssertEqual(ContractReader.explicitStorage("the cart lives in the Flask session"), "session")
        XCTAssertEqual(ContractReader.explicitStorage("entries go to guests.db, in memory caches are not needed"), "sqlite")
        XCTAssertNil(ContractReader.explicitStorage("a page that adds two numbers"))
        XCTAssertTrue(ContractReader.mentionsSession("keep the name in the session"))
    }

    func testListWrappedInAnObjectBecomesTheList() throws {
        let src = """
        @app.route("/api/members")
        def members():
            rows = list(MEMBERS)
            return {"members": [{"nick": m["nick"]} for m in rows]}

        @app.route("/api/other")
        def other():
            return jsonify({"data": rows})

        def third():
            return jsonify(entries=sorted(rows, key=len))
        """
        let one = try XCTUnwrap(PythonFixes.listAnswer(src, line: 4))
        XCTAssertEqual(one.old, #"return {"members": [{"nick": m["nick"]} for m in rows]}"#)
        XCTAssertEqual(one.source.components(separatedBy: "\n")[3], #"    return [{"nick": m["nick"]} for m in rows]"#)
        XCTAssertEqual(PythonFixes.listAnswer(src, line: 8)?.new, "return jsonify(rows)")
        XCTAssertEqual(PythonFixes.listAnswer(src, line: 11)?.new, "return jsonify(sorted(rows, key=len))")
        // two keys, or not a return of one value: left alone
        XCTAssertNil(PythonFixes.listAnswer(#"    return {"items": rows, "count": len(rows)}"#, line: 1))
        XCTAssertNil(PythonFixes.listAnswer(#"    return jsonify(items=rows, total=3)"#, line: 1))
        XCTAssertNil(PythonFixes.listAnswer("    rows = {\"a\": 1}", line: 1))
        XCTAssertNil(PythonFixes.listAnswer(src, line: 3))
    }

    func testADictThatReadsItselfGetsItsFirstValueNamed() throws {
        let src = """
        def index():
            outcome = None
            if form.validate_on_submit():
                outcome = {
                    "Score": (form.a.data + form.b.data) / 2,
                    "Grade": "pass" if outcome >= 50 else "fail",
                    "Note": f"{outcome['Score']} points",
                }
            return outcome
        """
        let fixed = try XCTUnwrap(PythonFixes.selfReferencingDict(src, faultLine: 6))
        XCTAssertEqual(fixed.variable, "score")
        let lines = fixed.source.components(separatedBy: "\n")
        XCTAssertEqual(lines[3], "        score = (form.a.data + form.b.data) / 2")
        XCTAssertEqual(lines[4], "        outcome = {")
        XCTAssertEqual(lines[5], #"            "Score": score,"#)
        XCTAssertEqual(lines[6], #"            "Grade": "pass" if score >= 50 else "fail","#)
        XCTAssertEqual(lines[7], #"            "Note": f"{score} points","#)
        XCTAssertEqual(lines[9], "    return outcome", "lines after the dict keep the name")
        // a name already used, a first value that reads the dict too, or a fault outside the dict: left alone
        XCTAssertEqual(PythonFixes.selfReferencingDict(src.replacingOccurrences(of: "return outcome", with: "return score"), faultLine: 6)?.variable, "outcome_value")
        XCTAssertNil(PythonFixes.selfReferencingDict(src.replacingOccurrences(of: "/ 2,", with: "/ outcome,"), faultLine: 6))
        XCTAssertNil(PythonFixes.selfReferencingDict(src, faultLine: 9))
        XCTAssertNil(PythonFixes.selfReferencingDict(src, faultLine: 5), "the first entry does not read the dict")
    }

    func testAListTheDescriptionOrdersIsSorted() throws {
        let src = """
        def tally():
            return jsonify({
                "total": total,
                "peaks": peak_list,
                'names': [n for n in seen]
            }), 200
        """
        let asc = try XCTUnwrap(PythonFixes.sortedValue(src, key: "peaks", descending: false, texts: false, lines: [2, 4, 6]))
        XCTAssertEqual(asc.new, #"        "peaks": sorted(peak_list),"#)
        let desc = try XCTUnwrap(PythonFixes.sortedValue(src, key: "names", descending: true, texts: true, lines: [5]))
        XCTAssertEqual(desc.new, "        'names': sorted([n for n in seen], key=str.casefold, reverse=True)")
        XCTAssertNil(PythonFixes.sortedValue(src, key: "peaks", descending: false, texts: false, lines: [2]), "not on a traced line")
        XCTAssertNil(PythonFixes.sortedValue(asc.source, key: "peaks", descending: false, texts: false, lines: [4]), "already sorted")
    }

    func testAWholeNumberReadWithFloatIsReadWithInt() throws {
        let src = """
        def pick():
            try:
                k = float(request.args["k"])
                w = float(request.args.get("width", 1))
            except (KeyError, ValueError):
                return jsonify({"error": "bad"}), 400
        """
        let fixed = try XCTUnwrap(PythonFixes.wholeNumberParse(src, name: "k", lines: [2, 3]))
        XCTAssertEqual(fixed.new, #"k = int(request.args["k"])"#)
        XCTAssertEqual(fixed.source.components(separatedBy: "\n")[3], #"        w = float(request.args.get("width", 1))"#, "other parameters keep float")
        XCTAssertEqual(PythonFixes.wholeNumberParse(src, name: "width", lines: [4])?.new, #"w = int(request.args.get("width", 1))"#)
        XCTAssertNil(PythonFixes.wholeNumberParse(src, name: "k", lines: [4]), "not on a traced line")
    }

    func testTheWordEveryErrorMessageContains() {
        XCTAssertEqual(BehaviourRules.requiredWord(#"returns 400 and {"error": MESSAGE}, where MESSAGE contains the word "range""#), "range")
        XCTAssertEqual(BehaviourRules.requiredWord(#"the reply is a message containing the word "later""#), "later")
        XCTAssertNil(BehaviourRules.requiredWord(#"returns 400 with the error "Bad size""#))
        for text in [
            "JSON API on port 5401. GET /api/pick?k=N with N a whole number from 1 to 5 returns {\"picked\": [...]}. If k is missing or not a whole number, it returns status 400 and {\"error\": MESSAGE}, where MESSAGE contains the word \"range\".",
            "flask json api port 5401: GET /api/pick?k=N (k whole number 1-5) gives {\"picked\": [...]}; when k is missing or isn't a whole number answer 400 with an error message containing the word \"range\"",
        ] {
            let spec = ProjectSpec(description: text)
            let checks = BehaviourRules.checks(for: spec, plan: PlanBuilder.ruleBased(spec)).filter { $0.status == [400] }
            XCTAssertFalse(checks.isEmpty, text)
            XCTAssertTrue(checks.allSatisfy { $0.texts == ["range"] }, checks.map(\.expectation).joined(separator: "\n"))
        }
    }

    func testRedirectsThatAreNotTheValidSubmissionsOrCannotBeSureAreNotChecked() {
        let plan = Self.plan(post: "/join", fields: Self.fields, pages: ["templates/join.html"])
        for text in [
            "A Flask-WTF join form on port 5400 (nickname, mail, secret, again). The form redirects to /join if the nickname is taken.",
            "A Flask-WTF join form on port 5400 (nickname, mail, secret, again). GET /admin redirects to /login.",
            "A Flask-WTF join form on port 5400 (nickname, mail, secret, again). A valid sign-up is saved and redirects to /entry/<id>.",
            "A Flask-WTF join form on port 5400 (nickname, mail, secret, again). Once saved, should it redirect? Yes, to /list.",
        ] {
            let checks = BehaviourRules.formChecks(ProjectSpec(description: text), plan: plan)
            XCTAssertEqual(checks.map(\.status), [[200, 201, 302, 303]], text)
        }
        // a field the tool cannot be sure to fill validly: the open statuses stay
        var choice = plan
        choice.forms[0].fields[0].type = "SelectField"
        let valid = "A Flask-WTF join form on port 5400 (nickname, mail, secret, again). A valid sign-up is saved and redirects (303) to /thanks."
        XCTAssertEqual(BehaviourRules.formChecks(ProjectSpec(description: valid), plan: choice).map(\.status), [[200, 201, 302, 303]])
        let ranged = valid + " nickname uses NumberRange(min=18)."
        XCTAssertEqual(BehaviourRules.formChecks(ProjectSpec(description: ranged), plan: plan).map(\.status), [[200, 201, 302, 303]])
        // a pinned 303 is asked for by name (Flask's redirect answers 302)
        let post = BehaviourRules.formChecks(ProjectSpec(description: valid), plan: plan)
        XCTAssertEqual(post.map(\.status), [[303]])
        XCTAssertTrue(post[0].expectation.contains(#"redirect("/thanks", code=303)"#), post[0].expectation)
        XCTAssertEqual(BehaviourRules.redirectCall("/x", codes: [302, 303]), #"redirect("/x")"#)
    }

    func testStoredInMemoryUnlessDenied() {
        XCTAssertEqual(ContractReader.explicitStorage("keep the cart in the session, not in memory"), "session")
        XCTAssertEqual(ContractReader.explicitStorage("posts live in the session instead of in memory"), "session")
    }

    func testSelfReferenceFixKeepsTheKey() throws {
        let src = """
        def view():
            out = {
                "area": area,
                "size": "big" if out > 10 else "small",
            }
            return out
        """
        let fixed = try XCTUnwrap(PythonFixes.selfReferencingDict(src, faultLine: 4))
        XCTAssertEqual(fixed.variable, "out_value", "area is taken")
        let lines = fixed.source.components(separatedBy: "\n")
        XCTAssertEqual(lines[1], "    out_value = area")
        XCTAssertEqual(lines[3], #"        "area": out_value,"#)
        XCTAssertEqual(lines[4], #"        "size": "big" if out_value > 10 else "small","#)
    }

    func testListAnswerKeepsItsStatus() {
        XCTAssertEqual(PythonFixes.listAnswer(#"    return jsonify({"rows": rows}), 200"#, line: 1)?.new, "return jsonify(rows), 200")
        XCTAssertEqual(PythonFixes.listAnswer(#"    return {"rows": rows}, 200"#, line: 1)?.new, "return jsonify(rows), 200")
    }

    func testTheRequiredWordIsAnErrorsOnly() {
        XCTAssertNil(BehaviourRules.requiredWord(#"answers 400 with the text "n is required" if n is missing"#))
        XCTAssertNil(BehaviourRules.requiredWord(#"GET /sum answers a page containing the word "Total""#))
    }

    func testAnEmailCheckNeverAsksDNS() throws {
        let src = """
        from email_validator import validate_email
        def view():
            if not validate_email(form.mail.data.strip()):
                return "bad"
            info = validate_email(addr, check_deliverability=False)
            other = validate_email(clean(addr, "x"))
        """
        let fixed = try XCTUnwrap(PythonFixes.offlineEmailCheck(src))
        XCTAssertEqual(fixed.count, 2)
        let lines = fixed.source.components(separatedBy: "\n")
        XCTAssertEqual(lines[2], "    if not validate_email(form.mail.data.strip(), check_deliverability=False):")
        XCTAssertEqual(lines[4], "    info = validate_email(addr, check_deliverability=False)")
        XCTAssertEqual(lines[5], #"    other = validate_email(clean(addr, "x"), check_deliverability=False)"#)
        XCTAssertNil(PythonFixes.offlineEmailCheck(fixed.source), "nothing left to change")
        XCTAssertNil(PythonFixes.offlineEmailCheck("from email_validator import validate_email\n"))
    }

    func testAnErrorMessageWithoutTheRequiredWordBecomesTheDescriptionsOwn() throws {
        let description = "JSON API on port 5401. GET /api/pick?k=N with N from 1 to 5. If k is missing or outside 1..5, it returns status 400 and {\"error\": MESSAGE}, where MESSAGE contains the word \"range\" (e.g. \"k is out of range 1 to 5\")."
        XCTAssertEqual(BehaviourRules.exampleMessage(description, containing: "range"), "k is out of range 1 to 5")
        XCTAssertNil(BehaviourRules.exampleMessage("Errors contain the word \"range\".", containing: "range"), "no example message")
        let src = """
        def pick():
            if bad:
                return jsonify({'error': 'k is not valid'}), 400
            return jsonify({"error": "k out of range"}), 400
        """
        let fixed = try XCTUnwrap(PythonFixes.errorMessage(src, line: 3, word: "range", example: "k is out of range 1 to 5"))
        XCTAssertEqual(fixed.new, #"return jsonify({'error': "k is out of range 1 to 5"}), 400"#)
        XCTAssertNil(PythonFixes.errorMessage(src, line: 4, word: "range", example: "k is out of range 1 to 5"), "it has the word already")
        XCTAssertNil(PythonFixes.errorMessage(src, line: 2, word: "range", example: "k is out of range 1 to 5"), "not a return")
    }

    func testAServerMessageTheRouteMustGiveIsAlsoTypedIntoThePage() {
        var contract = Contract(port: 5402)
        contract.pages = [Contract.Page(path: "/", heading: nil,
                                        elements: [Contract.Element(id: "howmany", role: "input", type: .integer, label: "How many", origin: .description),
                                                   Contract.Element(id: "go", role: "button", type: nil, label: "Go", origin: .description)],
                                        links: [], origin: .description, calls: "/api/pick", callParams: ["howmany": "k"])]
        let checks = [
            BehaviourCheck(method: "GET", url: "/api/pick?k=0", status: [400], texts: ["range"], source: "s1"),
            BehaviourCheck(method: "GET", url: "/api/pick", status: [400], texts: ["range"], source: "s2"),
            BehaviourCheck(method: "GET", url: "/api/pick?k=2", status: [200], texts: ["2"], source: "ok"),
            BehaviourCheck(method: "GET", url: "/api/other?k=0", status: [400], texts: ["range"], source: "other"),
            BehaviourCheck(method: "GET", url: "/api/pick?k=x", status: [400], source: "no word"),
        ]
        let page = Project.pageErrorChecks(checks, contract: contract, file: "templates/index.html")
        XCTAssertEqual(page.map(\.inputs), [["howmany": "0"], ["howmany": ""]])
        XCTAssertTrue(page.allSatisfy { $0.click == "go" && $0.shows == ["*": ["range"]] && $0.allowsRequests })
    }
}
