import Foundation
import Logging
import SpoolCore
import SpoolFiles
import SpoolInbox
import SpoolStore

/// Turns a claimed batch file into a durable batch, or a rejection; then the receipt (folder-contract §2–§4).
///
/// Order matters for crash safety: the batch is committed first, then the status files, the
/// archive copy and the receipt; the archives and receipts are fsynced together, and only then
/// are the claimed files removed. A crash anywhere leaves the claimed file, and re-ingesting it
/// finds the batch by its claim name. A receipt is visible before its fsync: the batch it names
/// is durable already (the commit), and a receipt lost to a power cut is written again.
package struct Ingestor: Sendable {
    package var store: any StoreEngine
    package var paths: SpoolPaths
    package var configuration: SpoolConfiguration
    package var status: StatusWriter
    package var logger: Logger
    /// Resolves hosts and refuses private addresses (SSRF); tests and LANs turn it off.
    package var checkNetwork: Bool
    /// Checkpoints the WAL beside ingest, not inside a drop's commit (nil: SQLite's automatic one only).
    package var checkpointer: Store.Checkpointer?
    /// Where claimed files wait for their batch: `paths.claimed`, or this node's directory in a cluster.
    package var claimDirectory: String
    /// In a cluster: a store failure at commit is an outage (IngestOutage.swift), not a lost file.
    package var outage: IngestOutage?

    package init(
        store: any StoreEngine, paths: SpoolPaths, configuration: SpoolConfiguration, status: StatusWriter,
        logger: Logger
    ) {
        self.store = store
        self.paths = paths
        self.configuration = configuration
        self.status = status
        self.logger = logger
        self.checkNetwork = !configuration.allowPrivateNetwork
        self.claimDirectory = paths.claimed
        // SQLite-only: WAL checkpoints belong to SQLite's engine (another engine checkpoints on its own).
        if store is Store, FileManager.default.fileExists(atPath: paths.database) {
            self.checkpointer = try? Store.Checkpointer(path: paths.database)
        }
    }

    /// What became of an inbox file.
    package enum Outcome: Sendable, Equatable {
        case accepted(batchID: String, jobIDs: [String])
        case cached(batchID: String)
        case rejected(errors: [FieldError])
        case ignored
    }

    /// Claims and ingests several inbox files as one group: each is validated (and rejected) on its own,
    /// but the accepted ones share one database transaction and one fsync of their archives and
    /// receipts, so a burst of drops costs a few journal commits instead of two per file. One outcome
    /// per name, in order.
    package func ingest(names: [String]) async -> [Outcome] {
        // The store is unreachable: the files stay in the inbox untouched until it is back.
        if let outage, outage.skipWhileDown(names) { return names.map { _ in .ignored } }
        // Claiming, validating and rejecting block (file I/O, fsync): off the cooperative pool.
        let (prepared, accepted) = await BlockingWork.run("spool-ingest") { claimAndPrepare(names: names) }
        var outcomes = prepared
        let committed = await commit(accepted.map(\.batch))
        for (index, outcome) in zip(accepted.map(\.index), committed) { outcomes[index] = outcome }
        return outcomes
    }

    /// `ingest(names:)` up to the commit: the outcomes of the files that are done (rejected, gone), and the
    /// valid ones with their indices.
    private func claimAndPrepare(names: [String]) -> (outcomes: [Outcome], accepted: [(index: Int, batch: Accepted)]) {
        var outcomes = [Outcome](repeating: .ignored, count: names.count)
        var claimed: [(index: Int, file: ClaimedFile)] = []
        for (index, name) in names.enumerated() {
            do {
                let claim = try InboxClaimer.claim(
                    name: name, inbox: paths.inbox, claimDirectory: claimDirectory,
                    maxBytes: configuration.maxBatchBytes
                )
                switch claim {
                case .gone, .notRegular:
                    continue
                case .tooLarge(let file):
                    outcomes[index] = try reject(file, errors: [tooLarge(file.size)])
                case .claimed(let file):
                    claimed.append((index, file))
                }
            } catch {
                logger.error("inbox file not ingested", metadata: ["file": "\(name)", "error": "\(error)"])
            }
        }
        // Validation is pure CPU: on every core for a burst, then the verdicts are acted on in order.
        let settings = ValidationSettings(apiKeys: configuration.apiKeys)
        let verdicts = claimed.map(\.file).concurrentMap { BatchValidator.validate($0.data, settings: settings) }
        var accepted: [(index: Int, batch: Accepted)] = []
        for ((index, file), verdict) in zip(claimed, verdicts) {
            do {
                switch try prepare(file, verdict: verdict) {
                case .done(let outcome): outcomes[index] = outcome
                case .accepted(let batch): accepted.append((index, batch))
                }
            } catch {
                logger.error(
                    "inbox file not ingested", metadata: ["file": "\(file.originalName)", "error": "\(error)"])
            }
        }
        return (outcomes, accepted)
    }

    /// Start-up: claimed files that a crash left behind are ingested again.
    package func recoverClaimed() async -> [Outcome] {
        await ingestClaimed(InboxClaimer.leftovers(in: claimDirectory))
    }

    /// `recoverClaimed()` for one claimed file, up to the commit; nil when it is gone or failed.
    func prepareLeftover(_ path: String) -> Prepared? {
        let claimName = (path as NSString).lastPathComponent
        let original = InboxClaimer.originalName(ofClaimedFileName: claimName)
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        logger.notice("re-ingesting a claimed batch file after restart", metadata: ["file": "\(original)"])
        let file = ClaimedFile(path: path, originalName: original, data: data, size: data.count)
        do {
            if data.count > configuration.maxBatchBytes {
                return .done(try reject(file, errors: [tooLarge(data.count)]))
            }
            return try prepare(file)
        } catch {
            logger.error("claimed file not ingested", metadata: ["file": "\(original)", "error": "\(error)"])
            return nil
        }
    }

    private func tooLarge(_ size: Int) -> FieldError {
        FieldError(
            field: "$",
            message: "the batch file is \(size) bytes; the limit is \(configuration.maxBatchBytes) bytes "
                + "(max_batch_bytes): split it into smaller batches")
    }

    /// A valid batch file with its records, not yet in the store.
    struct Accepted: Sendable {
        var file: ClaimedFile
        var batch: BatchRecord
        var jobs: [JobRecord]
        /// The bytes for `archive/`: the file's own, unless it has an `api_key` member to remove.
        var archive: Data
    }

    enum Prepared: Sendable {
        case done(Outcome)
        case accepted(Accepted)
    }

    /// Acts on a claimed file's validation (rejecting it when it is not a valid batch) and makes its records.
    private func prepare(_ file: ClaimedFile, verdict: Result<BatchRequest, BatchRejection>? = nil) throws -> Prepared {
        let request: BatchRequest
        switch verdict
            ?? BatchValidator.validate(file.data, settings: ValidationSettings(apiKeys: configuration.apiKeys))
        {
        case .failure(let rejection):
            return .done(try reject(file, errors: rejection.errors))
        case .success(let valid):
            request = valid
        }
        if checkNetwork {
            let refusals = request.jobs.enumerated().compactMap { index, job in
                NetworkPolicy.refusal(forURL: job.url).map { FieldError(field: "jobs[\(index)].url", message: $0) }
            }
            if !refusals.isEmpty { return .done(try reject(file, errors: refusals)) }
        }
        let now = Date()
        let ms = now.millisecondsSince1970
        let batch = BatchRecord(
            id: SpoolID.make(now: now), source: file.originalName, claimName: (file.path as NSString).lastPathComponent,
            idempotencyKey: request.idempotencyKey, folder: request.folder, createdAt: ms)
        let jobs = request.jobs.enumerated().map { index, item in
            JobRecord(
                id: SpoolID.make(now: now), batchId: batch.id, position: index, url: item.url, filename: item.filename,
                folder: request.folder, options: request.options, createdAt: ms)
        }
        let archive = request.hasAPIKeyMember ? BatchFile.removingAPIKey(file.data) ?? file.data : file.data
        return .accepted(Accepted(file: file, batch: batch, jobs: jobs, archive: archive))
    }

    /// Commits a group of valid batches, writes their status files, archive copies and receipts, fsyncs the
    /// archives and receipts together, and only then removes the claimed files. On any failure the claimed
    /// files stay, and the next start-up ingests them again.
    func commit(_ group: [Accepted]) async -> [Outcome] {
        guard !group.isEmpty else { return [] }
        // The new jobs' status documents are encoded from the records in hand while the store commits, on
        // another core: a drop's receipt waits for the slower of the two, not for both (issue 15, measure 1).
        // A batch the store already knows (`.existing`) just leaves its documents unused.
        async let encoded = BlockingWork.run("spool-encode") { [status] in
            group.map(\.jobs).concurrentMap { jobs in jobs.map { status.encodeNew($0) } }
        }
        let created: [Store.CreateOutcome]
        do {
            created = try await store.insertBatches(group.map { ($0.batch, $0.jobs) })
        } catch {
            if let outage {
                outage.storeFailed(claimed: group.map(\.file.path), error: error, logger: logger)
            } else {
                logger.error(
                    "batches not stored", metadata: ["files": "\(group.map(\.file.originalName))", "error": "\(error)"])
            }
            return group.map { _ in .ignored }
        }
        // Re-ingested after a crash: the jobs may have moved on since; write what the store says.
        for (item, outcome) in zip(group, created) {
            if case .existing(let saved, let savedJobs) = outcome, saved.claimName == item.batch.claimName {
                for job in savedJobs { await status.write(job: job) }
                await status.writeBatch(id: saved.id)
            }
        }
        // The status files, archive copies, receipts and their fsync block: off the cooperative pool.
        let documents = await encoded
        return await BlockingWork.run("spool-ingest") { writeFiles(group, created, encoded: documents) }
    }

    /// `commit`'s files once the batches are stored; `encoded` holds each batch's job documents.
    private func writeFiles(_ group: [Accepted], _ created: [Store.CreateOutcome], encoded: [[Data]]) -> [Outcome] {
        var outcomes: [Outcome] = []
        var written: [String] = []
        var finished: [Finished] = []
        for ((item, outcome), documents) in zip(zip(group, created), encoded) {
            do {
                let (result, done) = try record(item, outcome, encoded: documents, written: &written)
                outcomes.append(result)
                finished.append(done)
            } catch {
                logger.error(
                    "inbox file not ingested", metadata: ["file": "\(item.file.originalName)", "error": "\(error)"])
                outcomes.append(.ignored)
            }
        }
        do {
            try AtomicFile.sync(written)
        } catch {
            logger.error("receipts not made durable; the batch files stay claimed", metadata: ["error": "\(error)"])
            return outcomes
        }
        removeClaimed(finished)
        let jobs = zip(group, created).reduce(0) { count, item in
            if case .created = item.1 { count + item.0.jobs.count } else { count }
        }
        let logger = logger
        checkpointer?.noteCommitted(jobs: jobs) { error in
            logger.warning("WAL checkpoint not done; SQLite's automatic one remains", metadata: ["error": "\(error)"])
        }
        return outcomes
    }

    /// A claimed file whose batch is stored and whose receipt is durable: removed last, then logged.
    private struct Finished {
        var file: ClaimedFile
        var message: Logger.Message
        var batchID: String
        var jobs: Int
    }

    /// Writes one stored batch's status files, archive copy and receipt (appending the paths to `written`,
    /// which are fsynced together before any claimed file goes).
    private func record(
        _ item: Accepted, _ outcome: Store.CreateOutcome, encoded documents: [Data], written: inout [String]
    ) throws -> (Outcome, Finished) {
        let file = item.file
        switch outcome {
        case .existing(let first, let firstJobs) where first.claimName != item.batch.claimName:
            // Same idempotency key: answer with the first batch, create nothing.
            written.append(
                try writeReceipt(
                    for: file.originalName,
                    Receipt(batchId: first.id, jobIds: firstJobs.map(\.id), source: file.originalName, cached: true)))
            return (
                .cached(batchID: first.id),
                Finished(
                    file: file, message: "batch already known by idempotency key", batchID: first.id,
                    jobs: firstJobs.count)
            )
        case .existing(let saved, let savedJobs), .created(let saved, let savedJobs):
            // Re-ingested after a crash (`.existing`): `commit` wrote its status files from the store already.
            if case .created = outcome { status.writeCreated(saved, jobs: savedJobs, encoded: documents) }
            let archive = paths.archive + "/" + saved.id + ".json"
            try AtomicFile.write(item.archive, to: archive, durable: false)
            written.append(archive)
            written.append(
                try writeReceipt(
                    for: file.originalName,
                    Receipt(batchId: saved.id, jobIds: savedJobs.map(\.id), source: file.originalName)))
            return (
                .accepted(batchID: saved.id, jobIDs: savedJobs.map(\.id)),
                Finished(file: file, message: "batch accepted", batchID: saved.id, jobs: savedJobs.count)
            )
        }
    }

    /// Removes the claimed files whose receipts are durable, logging each batch.
    private func removeClaimed(_ finished: [Finished]) {
        for done in finished {
            do {
                try FileManager.default.removeItem(atPath: done.file.path)
            } catch {
                logger.error("claimed file not removed", metadata: ["file": "\(done.file.path)", "error": "\(error)"])
            }
            logger.info(
                done.message,
                metadata: [
                    "batch.id": "\(done.batchID)", "source": "\(done.file.originalName)", "jobs": "\(done.jobs)",
                ])
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
        let receipt = try writeReceipt(
            for: file.originalName, ErrorReceipt(rejection: rejection, source: file.originalName))
        try AtomicFile.sync([receipt])
        logger.info(
            "batch rejected",
            metadata: [
                "source": "\(file.originalName)", "problems": "\(errors.map(\.description).joined(separator: "; "))",
            ])
        return .rejected(errors: errors)
    }

    /// `receipts/<stem>.json` for `inbox/<stem>.json`, atomic; returns its path. Ingest leaves the fsync to
    /// its group (`AtomicFile.sync`, together with the archive copies); a lone receipt passes `durable: true`.
    @discardableResult
    package func writeReceipt<Body: Encodable>(for source: String, _ body: Body, durable: Bool = false) throws -> String
    {
        let stem = source.hasSuffix(".json") ? String(source.dropLast(5)) : source
        let path = paths.receipts + "/" + stem + ".json"
        try AtomicFile.write(StatusProjection.encode(body), to: path, durable: durable)
        return path
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
