import ArgumentParser
import Foundation
import InputSafety
import Scaffold

/// `deepcoder new "DESCRIPTION"`: generate, verify and commit a runnable Flask project.
/// Exit codes: 0 verified (or --no-verify), 1 verification failed (project still written and committed),
/// 2 usage/input errors, 3 model/generation errors, 4 written and runs, but nothing the description states could be checked.
struct New: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Generate a runnable Flask project from a plain-language description.",
        discussion: """
        The description comes from the argument, from --spec-file, or from standard input: UTF-8 text of at most \
        \(DescriptionInput.maxBytes) bytes.
        Exit codes: 0 verified (or --no-verify), 1 verification failed (the project is still written and committed), \
        2 usage or input errors (e.g. a non-empty target directory), 3 model or generation errors, \
        4 written and committed, the app runs, but no statement of the description could be checked (see "Not checked").
        The report lists what deepcoder decided where the description is silent; .deepcoder/contract.json has it all.
        """)

    @Argument(help: "What the web app should do, in plain language.")
    var description: String?

    @Option(name: [.short, .customLong("output")], help: "Target directory (default: a slug of the description). Must be missing or empty, and not the current directory or a symbolic link.")
    var output: String?

    @Option(name: .customLong("spec-file"), help: "Read the description from this file ('-' for standard input).")
    var specFile: String?

    @Option(help: "Model name or path to a GGUF file (with --backend: the model's name on the server).")
    var model: String?
    @OptionGroup var backend: BackendOption

    @Option(help: "Threads for the inference engine, 1 to 256 (default: all cores).")
    var threads: Int?
    @OptionGroup var generation: GenerationFlags

    @Flag(name: .customLong("no-verify"), help: "Skip verification (no venv, no checks).")
    var noVerify = false

    @Option(help: "Directory whose templates override the built-in ones (same relative names).")
    var templates: String?

    @Flag(help: "Print a machine-readable JSON report on standard output.")
    var json = false

    @Flag(name: .customLong("plan-only"), help: "Only read the description: print the plan and the contract new would build from, write nothing.")
    var planOnly = false

    func validate() throws {
        try OptionLimits.checkThreads(threads)
    }

    /// The description, trimmed: UTF-8 and at most `DescriptionInput.maxBytes`, from wherever it comes.
    func readDescription() throws -> String {
        if description != nil && specFile != nil {
            throw ScaffoldError.usage("give the description either as an argument or with --spec-file, not both")
        }
        let text: String, what: String
        if let description {
            (text, what) = (description, "the description")
        } else if let specFile, specFile != "-" {
            let handle: FileHandle
            do { handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: specFile)) } catch {
                throw ScaffoldError.usage("cannot read spec file \(specFile): \(error.localizedDescription)")
            }
            defer { try? handle.close() }
            what = "the description in --spec-file \(specFile)"
            text = try DescriptionInput.read(handle, what: what)
        } else if specFile == "-" || isatty(STDIN_FILENO) == 0 {
            what = "the description on standard input"
            text = try DescriptionInput.read(FileHandle.standardInput, what: what)
        } else {
            throw ScaffoldError.usage("no description: pass it as an argument, with --spec-file FILE, or on standard input")
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw ScaffoldError.usage("\(what) is empty") }
        return try DescriptionInput.checkSize(trimmed, what: what)
    }

    func run() throws {
        InterruptHandler.install()
        func log(_ line: String) { writeSafeLine(toStandardError: "deepcoder: " + line) }
        do {
            let text = try readDescription()
            if let templates {
                var isDir: ObjCBool = false
                guard FileManager.default.fileExists(atPath: templates, isDirectory: &isDir), isDir.boolValue else {
                    throw ScaffoldError.usage("--templates \(templates) is not a directory")
                }
            }
            if output == "" {
                throw ScaffoldError.usage("-o \"\" names no directory: it would be the current directory, which deepcoder does not replace. "
                    + "Name the new project directory, e.g. -o my-app")
            }
            let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            let options = NewOptions(description: text,
                                     outputDirectory: output.map { URL(fileURLWithPath: $0, relativeTo: cwd).standardizedFileURL },
                                     sampling: generation.sampling, maxRepairs: generation.maxRepairs, verify: !noVerify,
                                     templatesDirectory: templates.map { URL(fileURLWithPath: $0, relativeTo: cwd).standardizedFileURL },
                                     workingDirectory: cwd, candidates: generation.candidates)
            // refuse an unusable target (non-empty, a link, the current directory, not writable) before loading a model
            let probe = ProjectSpec(description: text)
            if !planOnly { try Pipeline.checkTarget(options.outputDirectory ?? cwd.appendingPathComponent(probe.slug)) }

            let generator: any TextGenerator
            if let url = backend.url {
                generator = try makeRemoteGenerator(url: url, model: model, progress: { log("[backend] " + $0) })
            } else {
                log("[model] loading \(model ?? "default model")")
                do { generator = try makeTextGenerator(model: model, threads: threads, draft: generation.draft, progress: { log("[model] " + $0) }) } catch {
                    throw ScaffoldError.generation("cannot load the model: \(error)")
                }
            }
            let pipeline = Pipeline(generator: generator, options: options, progress: log)
            if planOnly {
                let preview = try pipeline.planOnly()
                let enc = JSONEncoder()
                enc.outputFormatting = [.prettyPrinted, .sortedKeys]
                let text = String(decoding: try enc.encode(preview), as: UTF8.self)
                print(TerminalText.escapedJSON(text))
                return
            }
            let report = try pipeline.run()
            if json {
                let enc = JSONEncoder()
                enc.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(TerminalText.escapedJSON(String(decoding: try enc.encode(report), as: UTF8.self)))
            } else {
                printSafe(Self.humanReport(report))
            }
            if report.exitCode != 0 { throw ExitCode(report.exitCode) }
        } catch let e as ScaffoldError {
            Interrupts.shared.parkIfExiting() // an interrupt's clean-up removed what the run used: no error, the handler exits
            log("error: \(e.description)")
            if json {
                let obj: [String: Any] = ["error": e.description, "exitCode": Int(e.exitCode)]
                if let d = try? JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys]) { print(TerminalText.escapedJSON(String(decoding: d, as: UTF8.self))) }
            }
            throw ExitCode(e.exitCode)
        } catch {
            Interrupts.shared.parkIfExiting()
            throw error
        }
    }

    /// The report for the terminal; what the model wrote (names, summaries, messages) is escaped.
    static func humanReport(_ r: NewReport) -> String {
        var lines = ["Created \(shown(r.projectName)) in \(r.directory) (\(r.kind), plan from \(r.planSource), commit \(r.commit.prefix(12)))", "", "Files:"]
        lines += r.files.map { "  \(shown($0))" }
        lines.append("")
        InterruptHandler.install()
        lines.append("Verification: \(shown(r.verification))\(r.repairRounds > 0 ? " after \(r.repairRounds) repair round(s)" : "")")
        if let s = r.sandbox { lines.append("  " + sandboxLine(s)) }
        for c in r.checks {
            lines.append("  \(c.status == .passed ? "ok  " : c.status == .skipped ? "skip" : "FAIL") \(c.name): \(shown(String(c.summary.prefix(200))))")
            for f in c.failures.prefix(3) {
                lines.append("       \(shown(f.file ?? "-")): " + shown(String((f.message.split(separator: "\n").last.map(String.init) ?? "").prefix(200))))
            }
        }
        if !r.decisions.isEmpty {
            lines.append("")
            lines.append("Decided by deepcoder (the description does not say):")
            lines += r.decisions.map { "  - \(shown($0))" }
        }
        if !r.notChecked.isEmpty {
            lines.append("")
            lines.append("Not checked (no check could be derived):")
            lines += r.notChecked.map { "  - \(shown($0))" }
        }
        lines.append("")
        lines.append("Run it:")
        lines += r.howToRun.map { "  \($0)" }
        return lines.joined(separator: "\n")
    }
}
