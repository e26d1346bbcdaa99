import Dispatch

/// Runs Swift task jobs on one HTTP worker's loop thread, where the request's connection lives.
///
/// A handler task that prefers this executor resumes on the worker after each suspension, so
/// its answer is written without a hop through the cooperative pool and a second wake-up of
/// the worker. Jobs go through the worker's inbox; once the loop has exited they run on
/// Dispatch's global queue instead, so no task is ever stranded.
final class HTTPWorkerExecutor: TaskExecutor {
    let worker: HTTPWorker

    init(worker: HTTPWorker) {
        self.worker = worker
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        let isAccepted = worker.execute { job.runSynchronously(on: executor) }
        if !isAccepted {
            DispatchQueue.global().async { job.runSynchronously(on: executor) }
        }
    }
}
