/// A store that can tell its scheduler when other nodes changed the queue (PostgreSQL's LISTEN/NOTIFY), so an
/// idle node need not wait for its next poll.
package protocol JobWakeupSource: Sendable {
    /// Calls `wake` for every change announced, until the calling task is cancelled.
    func listenForWakeups(_ wake: @escaping @Sendable () -> Void) async
}
