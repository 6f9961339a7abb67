import CKernels
import Foundation
import Synchronization

/// Runs the parts of a job on several threads at once, with threads that stay awake between jobs.
///
/// A training step hands work to the other core twice, a few milliseconds apart. Handed through
/// `DispatchQueue.concurrentPerform`, each hand-over woke a sleeping thread and each finish woke
/// the caller again: 80-250 µs per hand-over on a virtual machine, 5-7% of a step. Here the workers
/// spin on a counter for a few milliseconds after each job before they go to sleep, and the caller
/// spins until they are done, as OpenMP runtimes and OpenBLAS do.
final class WorkerTeam: Sendable {
    /// How many parts a job has: the caller's and one per worker thread.
    let parts: Int
    /// This team's worker threads that have not exited yet. It outlives the team, so a test can
    /// watch the threads end; it counts this team's only, so other teams' threads cannot disturb it.
    let liveWorkers = LiveThreadCount()
    private let state: State

    final class LiveThreadCount: Sendable {
        let value = Atomic<Int>(0)
        var current: Int { value.load(ordering: .acquiring) }
    }

    /// A team of `parts - 1` worker threads besides the caller's.
    init(parts: Int) {
        precondition(parts >= 1, "a team needs at least one part")
        self.parts = parts
        // Spinning only pays when every thread has a core of its own; with more threads than cores
        // a spinning thread would hold up the one it waits for.
        state = State(spins: parts <= UsableProcessors.count)
        for worker in 1..<parts {
            let state = state
            let live = liveWorkers
            // Counted before the thread starts, so the count never reads low while a thread is starting.
            live.value.add(1, ordering: .relaxed)
            let thread = Thread {
                state.serve(part: worker)
                live.value.subtract(1, ordering: .releasing)
            }
            thread.name = "labbook-worker-\(worker)"
            thread.start()
        }
    }

    deinit {
        state.stop()
    }

    /// Calls `body(part)` once for every part in `0..<parts`, part 0 on the calling thread and the
    /// others on the workers, and returns when all have returned.
    func run(_ body: (Int) -> Void) {
        guard parts > 1 else { return body(0) }
        withoutActuallyEscaping(body) { body in
            state.publish(body, workers: parts - 1)
            body(0)
            state.waitForWorkers()
        }
    }

    /// What the caller and the workers share. Every field the caller writes is published by the
    /// releasing increment of `generation`, which the workers read with acquiring loads.
    private final class State: @unchecked Sendable {
        /// Counts the jobs handed out; a worker starts a job when it sees the count change.
        let generation = Atomic<Int>(0)
        /// Workers that have not yet finished the current job.
        let remaining = Atomic<Int>(0)
        let stopping = Atomic<Bool>(false)
        /// The current job; set before `generation` moves on and cleared after every worker is done.
        var job: ((Int) -> Void)?
        /// Where workers that spun long enough without a job sleep.
        let sleep = NSCondition()
        var sleepers = 0

        /// How long a worker spins after a job before it sleeps: long enough to stay awake from one
        /// step's hand-over to the next; zero when the team has more threads than the machine has cores.
        let spinNanoseconds: UInt64
        /// How many times the caller pauses between checks before it gives its core away.
        let callerSpinsPerYield: Int

        init(spins: Bool) {
            spinNanoseconds = spins ? 5_000_000 : 0
            callerSpinsPerYield = spins ? 4096 : 1
        }

        func publish(_ body: @escaping (Int) -> Void, workers: Int) {
            job = body
            remaining.store(workers, ordering: .relaxed)
            generation.add(1, ordering: .releasing)
            sleep.lock()
            if sleepers > 0 { sleep.broadcast() }
            sleep.unlock()
        }

        func waitForWorkers() {
            var spins = 0
            while remaining.load(ordering: .acquiring) != 0 {
                spins += 1
                // A worker that lost its core needs the caller to give it back.
                if spins % callerSpinsPerYield == 0 { sched_yield() } else { labbook_spin_pause() }
            }
            job = nil
        }

        func stop() {
            stopping.store(true, ordering: .releasing)
            sleep.lock()
            sleep.broadcast()
            sleep.unlock()
        }

        /// A worker's life: wait for each job, run its part, report it done.
        func serve(part: Int) {
            labbook_flush_subnormals()  // as the caller's thread does in a training step
            var seen = 0
            while let next = nextGeneration(after: seen) {
                seen = next
                perform(part: part)
                remaining.subtract(1, ordering: .releasing)
            }
        }

        /// The job's closure is read and released inside this call, so no reference to it is left
        /// once the worker reports its part done (`withoutActuallyEscaping` checks that).
        @inline(never)
        private func perform(part: Int) {
            job.unsafelyUnwrapped(part)
        }

        /// Spins, then sleeps, until `generation` passes `seen`; nil when the team is stopping.
        private func nextGeneration(after seen: Int) -> Int? {
            var spinStart = DispatchTime.now().uptimeNanoseconds
            var spins = 0
            while true {
                if stopping.load(ordering: .acquiring) { return nil }
                let current = generation.load(ordering: .acquiring)
                if current != seen { return current }
                spins += 1
                if spinNanoseconds > 0 && spins % 256 != 0 {
                    labbook_spin_pause()
                    continue
                }
                if DispatchTime.now().uptimeNanoseconds - spinStart < spinNanoseconds { continue }
                sleep.lock()
                while generation.load(ordering: .acquiring) == seen && !stopping.load(ordering: .acquiring) {
                    sleepers += 1
                    sleep.wait()
                    sleepers -= 1
                }
                sleep.unlock()
                spinStart = DispatchTime.now().uptimeNanoseconds
            }
        }
    }
}
