import Foundation

/// The live watchdog's rule: how long a recorder may send no new media before the recording is
/// taken as ended (or, after a lost stream, as lost).
///
/// Before the recording's first media the recorder is still starting: yt-dlp (Python) loads, reads
/// the playlist and starts ffmpeg, which probes the first segments before it creates its output.
/// On a loaded machine (load average 10–30 on 2 cores) that took longer than a short
/// `live_reconnect_grace_s`; the watchdog's SIGINT then stopped an ffmpeg that had written nothing
/// ("Exiting normally, received signal 2" / "interrupted by user") and yt-dlp failed to move a file
/// that never existed (`[Errno 2] No such file or directory: '…/.tmp/media.mp4'`): a slow start
/// became a failed recording (tool-behaviour §1). So the first media gets its own, longer
/// allowance; from the first media on, the reconnect grace counts from the last new media.
package enum LiveWatchdog {
    /// How long the recorder may go without new media: `firstMediaGrace` (never less than the
    /// reconnect grace) until the recording has any media, the reconnect grace after.
    package static func allowance(mediaSeen: Bool, settings: LiveSettings) -> Duration {
        mediaSeen ? settings.reconnectGrace : max(settings.reconnectGrace, settings.firstMediaGrace)
    }

    /// Whether the recorder is stalled: no new media for longer than its allowance.
    package static func isStalled(sinceLastMedia: Duration, mediaSeen: Bool, settings: LiveSettings) -> Bool {
        sinceLastMedia > allowance(mediaSeen: mediaSeen, settings: settings)
    }
}
