import Foundation
import SpoolCore
import SpoolFiles

extension Ingestor {
    /// A batch that arrived as bytes (the HTTP API's `POST /jobs/bulk`), ingested exactly as a dropped file:
    /// the same validation, idempotency, archive copy and status files.
    ///
    /// The bytes are written into the inbox under a dot-name (`.http-<token>.json`, which the watcher ignores)
    /// and handed to `ingest(names:)`, so the claim, the crash recovery of `.claimed/` and the commit are the
    /// inbox's own code. The caller has authenticated the sender (the `x-api-key` header), so the body needs no
    /// `api_key`; one it carries is dropped from the archive as for files. The receipt the inbox writes is
    /// removed again: the HTTP answer is the receipt (and a refusal's copy in `rejected/`, for the same reason).
    package func ingest(body: Data, source: String) async -> Outcome {
        var authenticated = self
        authenticated.configuration.apiKeys = []
        let path = paths.inbox + "/" + source
        do {
            try await BlockingWork.run("spool-ingest") { try AtomicFile.write(body, to: path, durable: false) }
        } catch {
            logger.error(
                "posted batch not written to the inbox", metadata: ["source": "\(source)", "error": "\(error)"])
            return .ignored
        }
        let outcome = await authenticated.ingest(names: [source]).first ?? .ignored
        try? FileManager.default.removeItem(atPath: paths.receipts + "/" + source)
        // A refusal is answered in full to the client, which still holds its body: no hidden copy is kept.
        if case .rejected = outcome { try? FileManager.default.removeItem(atPath: paths.rejected + "/" + source) }
        return outcome
    }

    /// A fresh inbox name for a posted batch: hidden from the watcher, unique, sortable by time.
    package static func postedSourceName() -> String {
        ".http-\(Date().millisecondsSince1970)-\(Posix.randomHex(bytes: 8)).json"
    }
}
