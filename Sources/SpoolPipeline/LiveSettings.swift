import Foundation

/// Settings of live recordings (configuration keys `live_reconnect_grace_s`).
package struct LiveSettings: Sendable {
    /// How long a recording may receive no new media before it is taken as ended (a stream that
    /// stops without `#EXT-X-ENDLIST` would otherwise be polled forever, tool-behaviour §1), and how
    /// long a recorder that lost the stream (server errors) is started again before the recording
    /// ends (issue 5). Both count from the last new media.
    package var reconnectGrace: Duration
    /// After a graceful stop (SIGINT to the group), how long before SIGTERM, then SIGKILL.
    package var interruptGrace: Duration
    package var terminateGrace: Duration
    /// After a shutdown's stop, how long the attempt may go on converting and publishing the finalised
    /// recording before it is stopped and the recording kept for the next start (folder-contract §8:
    /// exit within 10 s; a remux fits, a re-encode of a long recording does not).
    package var shutdownFinishBudget: Duration

    package init(
        reconnectGrace: Duration = .seconds(30), interruptGrace: Duration = .seconds(5),
        terminateGrace: Duration = .seconds(2), shutdownFinishBudget: Duration = .seconds(4)
    ) {
        self.reconnectGrace = reconnectGrace
        self.interruptGrace = interruptGrace
        self.terminateGrace = terminateGrace
        self.shutdownFinishBudget = shutdownFinishBudget
    }
}
