import Foundation
import Logging
import SpoolCore
import SpoolInbox
import SpoolStore

/// Turns a claimed batch file into a durable batch, or a rejection; then the receipt (SPEC §2–§4).
///
/// Order matters for crash safety: the batch is committed first, then the archive copy, the
/// status files and the receipt, and only then is the claimed file removed. A crash anywhere
/// leaves the claimed file, and re-ingesting it finds the batch by its claim name.
package struct Ingestor: Sendable {
    package var store: Store
    package var paths: SpoolPaths
    package var configuration: SpoolConfiguration
    package var status: StatusWriter
    package var logger: Logger
    /// Resolves hosts and refuses private addresses (SSRF); tests and LANs turn it off.
    package var checkNetwork: Bool

    package init(store: Store, paths: SpoolPaths, configuration: SpoolConfiguration, status: StatusWriter, logger: Logger) {
        self.store = store
        self.paths = paths
        self.configuration = configuration
        self.status = status
        self.logger = logger
        self.checkNetwork = !configuration.allowPrivateNetwork
    }

    /// What became of an inbox file.
    package enum Outcome: Sendable, Equatable {
        case accepted(batchID: String, jobIDs: [String])
        case cached(batchID: String)
        case rejected(errors: [FieldError])
        case ignored
    }

    /// Claims `name` from the inbox and ingests it; `.ignored` when it was gone or not a regular file.
    package func ingest(name: String) -> Outcome {
        do {
            let outcome = try InboxClaimer.claim(
                name: name, inbox: paths.inbox, claimDirectory: paths.claimed, maxBytes: configuration.maxBatchBytes)
            switch outcome {
            case .gone, .notRegular:
                return .ignored
            case .tooLarge(let file):
                let message =
                    "the batch file is \(file.size) bytes; the limit is \(configuration.maxBatchBytes) bytes "
                    + "(max_batch_bytes): split it into smaller batches"
                return try reject(file, errors: [FieldError(field: "$", message: message)])
            case .claimed(let file):
                return try ingest(file)
            }
        } catch {
            logger.error("inbox file not ingested", metadata: ["file": "\(name)", "error": "\(error)"])
            return .ignored
        }
    }

    /// Start-up: claimed files that a crash left behind are ingested again.
    package func recoverClaimed() -> [Outcome] {
        InboxClaimer.leftovers(in: paths.claimed).compactMap { path in
            let claimName = (path as NSString).lastPathComponent
            let original = InboxClaimer.originalName(ofClaimedFileName: claimName)
            guard let data = FileManager.default.contents(atPath: path) else { return nil }
            logger.notice("re-ingesting a claimed batch file after restart", metadata: ["file": "\(original)"])
            let file = ClaimedFile(path: path, originalName: original, data: data, size: data.count)
            do {
                if data.count > configuration.maxBatchBytes {
                    return try reject(file, errors: [FieldError(field: "$", message: "the batch file is too large")])
                }
                return try ingest(file)
            } catch {
                logger.error("claimed file not ingested", metadata: ["file": "\(original)", "error": "\(error)"])
                return nil
            }
        }
    }

    private func ingest(_ file: ClaimedFile) throws -> Outcome {
        let settings = ValidationSettings(apiKeys: configuration.apiKeys)
        let request: BatchRequest
        switch BatchValidator.validate(file.data, settings: settings) {
        case .failure(let rejection):
            return try reject(file, errors: rejection.errors)
        case .success(let valid):
            request = valid
        }
        if checkNetwork {
            let refusals = request.jobs.enumerated().compactMap { index, job in
                NetworkPolicy.refusal(forURL: job.url).map { FieldError(field: "jobs[\(index)].url", message: $0) }
            }
            if !refusals.isEmpty { return try reject(file, errors: refusals) }
        }

        let now = Date()
        let ms = now.millisecondsSince1970
        let claimName = (file.path as NSString).lastPathComponent
        let batch = BatchRecord(
            id: SpoolID.make(now: now), source: file.originalName, claimName: claimName,
            idempotencyKey: request.idempotencyKey, folder: request.folder, createdAt: ms)
        let jobs = request.jobs.enumerated().map { index, item in
            JobRecord(
                id: SpoolID.make(now: now), batchId: batch.id, position: index, url: item.url, filename: item.filename,
                folder: request.folder, options: request.options, createdAt: ms)
        }
        let outcome = try store.createBatch(batch, jobs: jobs)
        switch outcome {
        case .existing(let first, let firstJobs) where first.claimName != claimName:
            // Same idempotency key: answer with the first batch, create nothing.
            try writeReceipt(
                for: file.originalName,
                ["batch_id": first.id, "total_jobs": firstJobs.count, "job_ids": firstJobs.map(\.id),
                 "source": file.originalName, "cached": true])
            try FileManager.default.removeItem(atPath: file.path)
            logger.info("batch already known by idempotency key", metadata: ["batch.id": "\(first.id)"])
            return .cached(batchID: first.id)
        case .existing(let saved, let savedJobs), .created(let saved, let savedJobs):
            let archived = BatchFile.removingAPIKey(file.data) ?? file.data
            try AtomicFile.write(archived, to: paths.archive + "/" + saved.id + ".json")
            if case .created = outcome {
                status.writeCreated(saved, jobs: savedJobs)
            } else {
                // Re-ingested after a crash: the jobs may have moved on since; write what the store says.
                for job in savedJobs { status.write(job: job) }
                status.writeBatch(id: saved.id)
            }
            try writeReceipt(
                for: file.originalName,
                ["batch_id": saved.id, "total_jobs": savedJobs.count, "job_ids": savedJobs.map(\.id),
                 "source": file.originalName])
            try FileManager.default.removeItem(atPath: file.path)
            logger.info(
                "batch accepted",
                metadata: ["batch.id": "\(saved.id)", "source": "\(file.originalName)", "jobs": "\(savedJobs.count)"])
            return .accepted(batchID: saved.id, jobIDs: savedJobs.map(\.id))
        }
    }

    private func reject(_ file: ClaimedFile, errors: [FieldError]) throws -> Outcome {
        let rejection = BatchRejection(errors: errors)
        let kept = file.data.isEmpty ? nil : BatchFile.removingAPIKey(file.data)
        let target = freeName(in: paths.rejected, for: file.originalName)
        if let kept {
            try AtomicFile.write(kept, to: target)
            try FileManager.default.removeItem(atPath: file.path)
        } else {
            try AtomicFile.move(from: file.path, to: target)
        }
        try writeReceipt(
            for: file.originalName,
            ["error": rejection.summary, "source": file.originalName,
             "errors": errors.map { ["field": $0.field, "message": $0.message] }])
        logger.info(
            "batch rejected",
            metadata: ["source": "\(file.originalName)", "problems": "\(errors.map(\.description).joined(separator: "; "))"])
        return .rejected(errors: errors)
    }

    /// `receipts/<stem>.json` for `inbox/<stem>.json`.
    package func writeReceipt(for source: String, _ body: [String: Any]) throws {
        let stem = source.hasSuffix(".json") ? String(source.dropLast(5)) : source
        try AtomicFile.write(StatusJSON.encode(body), to: paths.receipts + "/" + stem + ".json")
    }

    /// A rejected file is never overwritten: `name.json`, `name (2).json`, …
    private func freeName(in dir: String, for name: String) -> String {
        let stem = name.hasSuffix(".json") ? String(name.dropLast(5)) : name
        var index = 1
        while true {
            let candidate = dir + "/" + OutputNaming.fileName(base: stem, ext: "json", index: index)
            if !FileManager.default.fileExists(atPath: candidate) { return candidate }
            index += 1
        }
    }
}
