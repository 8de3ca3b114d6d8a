import Dispatch
internal import MilvusImportCore
import Synchronization

/// Set when the task that made a call is cancelled; the call's interrupt check reads it.
final class CancellationFlag: Sendable {
    private let cancelled = Atomic<Bool>(false)

    func cancel() { cancelled.store(true, ordering: .relaxed) }

    var isCancelled: Bool { cancelled.load(ordering: .relaxed) }
}

/// Runs a blocking core call on a Dispatch thread, not on the cooperative pool, and resumes
/// the task with its result. Cancelling the task sets the flag that `work`'s interrupt
/// reads: the core stops at its next check (at least every 100 ms, and during transfers)
/// with a `.cancelled` error. A task cancelled before the call starts gets that error too.
func blocking<T: Sendable>(
    _ work: @escaping @Sendable (_ interrupt: @escaping Interrupt) throws(ImportError) -> T
) async throws(ImportJobsError) -> T {
    let flag = CancellationFlag()
    let result: Result<T, ImportJobsError> = await withTaskCancellationHandler {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                do throws(ImportError) {
                    let value = try work { flag.isCancelled }
                    continuation.resume(returning: .success(value))
                } catch {
                    continuation.resume(returning: .failure(ImportJobsError(error)))
                }
            }
        }
    } onCancel: {
        flag.cancel()
    }
    return try result.get()
}

extension Duration {
    /// Whole milliseconds, truncated; beyond `Int`'s range, its bound (which the checks of
    /// the settings then refuse or accept as any other value).
    var wholeMilliseconds: Int {
        let (seconds, attoseconds) = components
        let (ms, overflow) = Int(clamping: seconds).multipliedReportingOverflow(by: 1000)
        if overflow { return seconds < 0 ? Int.min : Int.max }
        let (total, overflowAgain) = ms.addingReportingOverflow(Int(attoseconds / 1_000_000_000_000_000))
        return overflowAgain ? (seconds < 0 ? Int.min : Int.max) : total
    }
}
