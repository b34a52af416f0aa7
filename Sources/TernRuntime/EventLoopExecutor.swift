// A Swift Concurrency task executor (SE-0417) that runs jobs on one NIO event loop. A
// connection's task prefers the executor of its channel's event loop, so its async code
// runs on the thread that does its channel's I/O: reading a frame, handling it and
// writing the answer happen on one thread, without handing each step to Swift's
// cooperative pool and back (a thread wake-up and two context switches each way).
// Blocking work still goes to `BlockingExecutor`; nothing here may block the loop.
import NIOCore

/// Runs the jobs of tasks that prefer it on `loop`.
final class EventLoopExecutor: TaskExecutor {
    let loop: any EventLoop

    init(_ loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
