import Dispatch
import Foundation
import Scaffold
#if canImport(Glibc)
import Glibc
#endif

/// The one handler for SIGINT, SIGTERM and SIGHUP of the commands that create temporary directories
/// or run checks (`new`, `regen`, `reproduce`). On the first signal it kills the running checks (and
/// their sandbox), removes every temporary and scratch directory (`Interrupts`), prints one line and
/// exits with 128 + the signal (130 for Ctrl-C, 143 for SIGTERM). A second signal exits at once.
enum InterruptHandler {
    private static let queue = DispatchQueue(label: "deepcoder.signals")
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    static func install() {
        guard sources.isEmpty else { return }
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig, SIG_IGN) // delivered to the dispatch source instead
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler { interrupted(by: sig) }
            source.resume()
            sources.append(source)
        }
    }

    private static func interrupted(by sig: Int32) {
        // a second signal while cleaning up ends the process at once, with the default action
        for s in [SIGINT, SIGTERM, SIGHUP] { signal(s, SIG_DFL) }
        let name = sig == SIGINT ? "interrupted" : sig == SIGTERM ? "terminated" : "hung up"
        let (processes, directories) = Interrupts.shared.cleanUpForExit()
        var done: [String] = []
        if processes > 0 { done.append("stopped \(processes) running check\(processes == 1 ? "" : "s")") }
        if directories > 0 { done.append("removed \(directories) temporary director\(directories == 1 ? "y" : "ies")") }
        let tail = done.isEmpty ? "nothing was written" : done.joined(separator: ", ")
        FileHandle.standardError.write(Data("\ndeepcoder: \(name); \(tail).\n".utf8))
        _exit(128 + sig)
    }
}
