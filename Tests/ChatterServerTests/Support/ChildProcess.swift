import Foundation
import Synchronization

/// Runs a program to its end without blocking Swift's cooperative threads (the in-process server under
/// test needs them to answer the program): the waiting happens on a dispatch thread.
enum ChildProcess {
    /// Foundation's `Process.run()` on Linux is not safe to call from several threads at once (it crashed
    /// copying the environment when two tests launched together), so every launch in the tests goes through here.
    static func launch(_ process: Process) throws {
        try launchLock.withLock { _ in try process.run() }
    }

    private static let launchLock = Mutex(())

    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, input: String? = nil
    ) async throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let stdin = input.map { _ in Pipe() }
        if let stdin { process.standardInput = stdin }
        try launch(process)
        if let stdin, let input {
            DispatchQueue.global().async {
                stdin.fileHandleForWriting.write(Data(input.utf8))
                try? stdin.fileHandleForWriting.close()
            }
        }
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let outputData = output.fileHandleForReading.readDataToEndOfFile()
                let errorData = errors.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(
                    returning: (process.terminationStatus, String(decoding: outputData, as: UTF8.self), String(decoding: errorData, as: UTF8.self))
                )
            }
        }
    }
}
