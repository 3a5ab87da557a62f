import Foundation

/// The ask and re-ask policy for one file: the prompt (first version, repair or regen), re-asks when an
/// answer has no usable code or repeats the failing file, hotter and with other seeds, and best-of-N
/// candidates of the first ask.
struct FileGenerator {
    let asker: ModelAsker
    let renderer: TemplateRenderer
    let sampling: SamplingOptions
    let maxAsks: Int
    /// best-of-N: how many answers the first ask of a file asks for
    let candidateCount: Int
    let say: (String, String) -> Void

    /// A generated file, with the other usable answers of a best-of-N ask (for `tryCandidates`).
    struct Generated {
        var content: String
        var offered: (chosen: (index: Int, text: String), others: [(index: Int, text: String)], count: Int)?
    }

    /// Generates one file; re-asks when the answer has no usable code (or a .py answer does not parse).
    /// `round` (repair rounds) varies the seed so a second repair of the same error
    /// does not replay the first answer token for token.
    /// `record` is the file's record so far; each ask adds to it (also when no answer is usable).
    func generate(_ file: PlannedFile, prompts: FilePrompts, record: inout FileGenerationRecord?, repairError: String?,
                  round: Int = 0, faultLine: Int? = nil) throws -> Generated {
        let contents = prompts.project.contents
        var ctx = try prompts.promptContext(target: file)
        let template: String
        if let repairError {
            template = "prompts/repair.mustache"
            ctx["current"] = (contents[file.path] ?? "").trimmingCharacters(in: .newlines)
            ctx["error"] = String(repairError.suffix(3000)) + FailureTrace.repairHints(repairError)
        } else if let extra = prompts.regenPromptContext(for: file) {
            template = "prompts/regen.mustache"
            ctx.merge(extra) { $1 }
        } else {
            template = "prompts/file.mustache"
        }
        let prompt = try renderer.render(template, ctx).trimmingCharacters(in: .whitespacesAndNewlines)
        var messages = [ChatTurn(role: .system, content: try prompts.systemPrompt()), ChatTurn(role: .user, content: prompt)]
        var lastProblem = ""
        var resume: String?  // the failing file up to the fault, for the model to continue
        var avoid: [String] = []  // the failing file's conditions that refused allowed requests
        var unparsable: String?   // the last first-time answer that was code but not valid Python
        var offered: (usable: [(index: Int, text: String)], count: Int)?  // best-of-N answers of the first ask
        for attempt in 1...max(1, maxAsks) {
            let label = repairError == nil ? file.path : "\(file.path) (repair)"
            say("generate", "\(label)\(attempt > 1 ? " — ask \(attempt)" : "")")
            var sampling = self.sampling
            if attempt > 1 {
                sampling.seed &+= UInt64(attempt)
                // a re-ask at the same low temperature tends to return the same answer
                sampling.temperature = max(sampling.temperature, attempt == 2 ? 0.6 : 0.9)
            }
            if round > 0 { sampling.seed &+= UInt64(round) &* 7919 }
            // best-of-N on the first ask: the first usable answer is the one this ask goes on with; the
            // other usable ones wait for verification (`tryCandidates`)
            let asked = attempt == 1 ? candidateCount : 1
            let (outs, rec) = try asker.ask(messages, sampling: sampling, label: label, template: template,
                                      prefill: try resume ?? prompts.prefill(for: file), count: asked)
            var out = outs[0]
            if asked > 1 {
                let usable = outs.enumerated().compactMap { i, o in usableAnswer(o.text, path: file.path).map { (index: i, text: $0) } }
                    .filter { CandidatePool.normalized($0.text) != CandidatePool.normalized(contents[file.path] ?? "") }
                if let first = usable.first { out = outs[first.index] }
                offered = (usable, asked)
            }
            if var r = record {
                r.promptTokens += rec.promptTokens; r.generatedTokens += rec.generatedTokens; r.seconds += rec.seconds; r.asks += 1
                if repairError != nil && r.template != template { r.template += "," + template }
                record = r
            } else {
                var r = rec; r.path = file.path; record = r
            }
            do {
                let content = try ResponseParser.extractFile(out.text, path: file.path)
                if file.path.hasSuffix(".py"), let err = FileGenerator.pythonSyntaxError(content) {
                    if repairError == nil { unparsable = content }
                    throw ResponseParser.Failure.noCode("it is not valid Python: \(err)")
                }
                if attempt < max(1, maxAsks),
                   let kept = content.components(separatedBy: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }).first(where: avoid.contains) {
                    // The rewrite kept a line that gave the wrong answer: once more, hotter.
                    say("repair", "\(file.path): the answer keeps `\(kept)`; asking again")
                    lastProblem = "the answer kept the failing line"
                    continue
                }
                if let repairError, attempt < max(1, maxAsks),
                   content.trimmingCharacters(in: .whitespacesAndNewlines) == (contents[file.path] ?? "").trimmingCharacters(in: .whitespacesAndNewlines) {
                    // Small models copy the current file out of the repair prompt. Ask for the file
                    // from scratch instead, with the error as a warning.
                    say("repair", "\(file.path): the answer repeats the failing file; asking for a new one without it")
                    var fresh = try prompts.promptContext(target: file)
                    fresh["current"] = nil
                    let base = try renderer.render("prompts/file.mustache", fresh).trimmingCharacters(in: .whitespacesAndNewlines)
                    var note = "\n\nChecking the project failed with an earlier version of this file, so write it differently:\n```\n\(String(repairError.suffix(1500)))\(FailureTrace.repairHints(repairError))\n```"
                    // With a line to blame, the answer starts as the failing file up to the function
                    // holding that line: the model rewrites from there instead of copying the mistake,
                    // and is told which line decided the wrong answer.
                    if let faultLine, file.path.hasSuffix(".py") {
                        let current = contents[file.path] ?? ""
                        let traced = FailureTrace.tracedLines(repairError, file: file.path)
                        // only when an allowed request was refused: the branches that refused it are wrong
                        if repairError.range(of: #"answered 4\d\d [^\n]*expected status 2\d\d"#, options: .regularExpression) != nil {
                            avoid = FailureTrace.refusingConditions(traced)
                            if avoid.isEmpty, let line = FailureTrace.decidingLine(current, faultLine: faultLine) { avoid = [line] }
                            for line in avoid {
                                note += "\nThe line `\(line)` of the earlier version is what gave the wrong answer: do not write it again."
                            }
                        }
                        // from the first function the failing request ran (a helper defined above the route counts)
                        let first = min(faultLine, traced.map(\.line).min() ?? faultLine)
                        if prompts.continuesPrefill, let head = FailureTrace.resumePrefix(current, faultLine: first) {
                            resume = "```python\n" + head
                            say("repair", "\(file.path): the model continues the file from before line \(first)")
                        }
                    }
                    messages = [ChatTurn(role: .system, content: try prompts.systemPrompt()), ChatTurn(role: .user, content: base + note)]
                    lastProblem = "the answer repeated the failing file"
                    continue
                }
                if let offered {
                    let chosen = offered.usable.first { $0.text == content } ?? (index: 0, text: content)
                    return Generated(content: content, offered: (chosen, offered.usable.filter { $0.index != chosen.index }, offered.count))
                }
                return Generated(content: content, offered: nil)
            } catch {
                lastProblem = "\(error)"
                say("parse", "\(file.path): \(lastProblem); asking again")
                messages.append(ChatTurn(role: .assistant, content: out.text))
                messages.append(ChatTurn(role: .user, content: "Your answer could not be used as \(file.path): \(lastProblem). Answer again with only the complete content of \(file.path) in one ```\(FilePrompts.fenceLanguage(file.path)) code block, with no explanation."))
            }
        }
        // Python code with a syntax error is still code: write it, and let verification report the error
        // and the repairs fix it, rather than end the run without a project (prose is never written).
        if let unparsable {
            say("generate", "\(file.path): writing the last answer, which is not valid Python; verification will say where")
            return Generated(content: unparsable, offered: nil)
        }
        throw ScaffoldError.generation("the model gave no usable \(file.path) after \(maxAsks) asks: \(lastProblem)")
    }

    /// The file in `answer` when it has one (Python that parses), for best-of-N's other answers.
    func usableAnswer(_ answer: String, path: String) -> String? {
        guard let content = try? ResponseParser.extractFile(answer, path: path) else { return nil }
        if path.hasSuffix(".py"), FileGenerator.pythonSyntaxError(content) != nil { return nil }
        return content
    }

    /// nil when `source` parses as Python 3 (checked with python3's ast), else the error.
    static func pythonSyntaxError(_ source: String) -> String? {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dc-syntax-\(UUID().uuidString).py")
        let token = Interrupts.shared.track(url)
        defer { try? FileManager.default.removeItem(at: url); Interrupts.shared.release(token) }
        guard (try? source.write(to: url, atomically: false, encoding: .utf8)) != nil else { return nil }
        let code = "import ast,sys\ntry:\n ast.parse(open(sys.argv[1],encoding='utf-8').read())\nexcept SyntaxError as e:\n print(f'line {e.lineno}: {e.msg}'); sys.exit(1)"
        guard let r = try? ProcessRunner.run("python3", ["-c", code, url.path], timeout: 30) else { return nil }
        if r.timedOut { return nil }
        return r.exitCode == 0 ? nil : r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
