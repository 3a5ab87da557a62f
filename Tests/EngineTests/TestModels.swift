import Foundation
import XCTest
@testable import Engine

/// Locates the models the tests run on. The test model is pulled by `.ci/run` (and by `make`-less
/// developers with `deepcoder models pull smollm2-135m-instruct`); tests that need a model that is not
/// installed are skipped with a message saying how to install it.
enum TestModels {
    static func path(_ name: String) -> String? {
        if let env = ProcessInfo.processInfo.environment["DEEPCODER_TEST_MODEL_\(name.uppercased().replacingOccurrences(of: "-", with: "_").replacingOccurrences(of: ".", with: "_"))"] {
            return env
        }
        guard let m = ModelCatalog.named(name) else { return nil }
        let store = ModelStore()
        return store.isInstalled(m) ? store.path(for: m).path : nil
    }

    static func require(_ name: String) throws -> String {
        guard let p = path(name) else {
            throw XCTSkip("model \(name) is not installed; run `deepcoder models pull \(name)` (CI pulls the test model)")
        }
        return p
    }

    static var testModel: String { ModelCatalog.testModelName }
    /// The qwen2 model the kernel and batching tests use when it is installed (the smaller coder model,
    /// not the catalog's default, which is the 1.5B: ModelCatalog.defaultModel).
    static let qwenModel = "qwen2.5-coder-0.5b-instruct"

    /// Fixture file under Tests/EngineTests/Fixtures.
    static func fixture(_ relative: String) throws -> Data {
        guard let base = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw XCTSkip("fixtures folder missing from the test bundle")
        }
        return try Data(contentsOf: base.appendingPathComponent(relative))
    }
}
