import ServiceLifecycle

/// The scheduler as a service: runs until a graceful shutdown, then stops every running tool, puts those
/// jobs back to Pending and returns once they have all stopped (`Scheduler.beginShutdown`).
package struct SchedulerService: Service {
    package let scheduler: Scheduler

    package init(scheduler: Scheduler) {
        self.scheduler = scheduler
    }

    package func run() async throws {
        let scheduler = scheduler
        await withGracefulShutdownHandler {
            await scheduler.run()
        } onGracefulShutdown: {
            Task { await scheduler.beginShutdown() }
        }
    }
}
