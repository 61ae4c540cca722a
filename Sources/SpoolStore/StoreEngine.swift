import SpoolCore

/// Everything the service asks of its store, all async: the seam between the service and a store engine.
///
/// Two engines conform: `Store` (SQLite through GRDB, the single-node default) and `PostgresStore`
/// (SpoolPostgres, the cluster's shared store). docs/cluster.md maps every call site of the service to
/// its method here. Each method is one transaction; constraints (unique claim names and idempotency
/// keys, valid states, unique positions in a batch) are enforced by the database of either engine.
/// The names differ from `Store`'s synchronous API on purpose (see `JobStore`).
package protocol StoreEngine: JobStore {
    // MARK: Batches

    /// Inserts each batch and its jobs, unless its claim name or idempotency key is known already (then the
    /// first batch, unchanged, and its jobs); all in one transaction, a batch seeing the ones before it.
    func insertBatches(_ items: [(BatchRecord, [JobRecord])]) async throws -> [Store.CreateOutcome]

    /// The batch with this ID, nil when there is none.
    func fetchBatch(id: String) async throws -> BatchRecord?

    /// The batch made from this claimed inbox file, nil when there is none.
    func fetchBatch(claimName: String) async throws -> BatchRecord?

    /// Every batch, by creation time, then ID.
    func fetchBatches() async throws -> [BatchRecord]

    /// Sets (or clears, with nil) the batch's finish time.
    func finishBatch(id: String, at: Int64?) async throws

    // MARK: Jobs

    /// The batch's jobs in position order.
    func fetchJobs(batchID: String) async throws -> [JobRecord]

    /// The jobs with these IDs, in any order; unknown IDs are left out.
    func fetchJobs(ids: [String]) async throws -> [JobRecord]

    /// Every job, by creation time, then position.
    func fetchAllJobs() async throws -> [JobRecord]

    /// Pending jobs: oldest first, then batch, then position.
    func fetchPendingJobs() async throws -> [JobRecord]

    /// Job counts by status (statuses without jobs are absent).
    func countJobsByStatus() async throws -> [JobStatus: Int]

    /// Jobs waiting to run: Pending, plus Processing jobs waiting for a retry.
    func countQueuedJobs() async throws -> Int

    /// Appends jobs (retries) after the batch's last position, and clears the batch's finish time; returns
    /// the jobs with their positions.
    func appendRetryJobs(_ jobs: [JobRecord], toBatch batchID: String) async throws -> [JobRecord]

    /// Recovery: every Processing job back to Pending (Queued, no progress, no retry time); their IDs.
    func requeueProcessingJobs() async throws -> [String]

    // MARK: Start-up

    /// Every batch ID and every job ID, nothing else decoded.
    func fetchAllIDs() async throws -> (batches: [String], jobs: [String])

    /// Every batch (to `batches`), then every job grouped by batch in position order (to `body`, one
    /// batch at a time), from one consistent snapshot.
    func streamBatchesOfJobs(
        batches: @escaping @Sendable ([BatchRecord]) throws -> Void,
        _ body: @escaping @Sendable (String, [JobRecord]) throws -> Void
    ) async throws

    /// The clean stop: a fresh token stored in the database, and the seal to copy into the marker file.
    func sealCleanShutdown() async throws -> Store.Seal

    /// Start-up: the seal the database holds (nil without a token), the token removed in the same transaction.
    func unsealCleanShutdown() async throws -> Store.Seal?

    // MARK: Webhooks (docs/webhooks.md)

    /// Records a job's webhook (a new job: state `pending`); a second one for the same job is ignored.
    func insertWebhookDelivery(_ hook: WebhookRecord) async throws

    /// The job's webhook delivery, nil when the job has none.
    func fetchWebhook(jobID: String) async throws -> WebhookRecord?

    /// Pending webhooks with their jobs (the sender picks the due ones).
    func fetchPendingWebhooks() async throws -> [(WebhookRecord, JobRecord)]

    /// Every job's `webhook_status` (job ID → state), for rebuilding status files.
    func fetchWebhookStates() async throws -> [String: String]

    /// Saves a delivery's progress (attempts, backoff, end state).
    func saveWebhookDelivery(_ hook: WebhookRecord) async throws

    // MARK: purge/

    /// Records a Completed job's result after its outputs were deleted; false when the job is not Completed.
    func savePurgedJob(_ job: JobRecord) async throws -> Bool

    // MARK: Status journal (StatusRebuilder+Journal)

    /// The batches and jobs whose status files may be out of date (`Store.StatusJournal`).
    func fetchStatusJournal() async throws -> Store.StatusJournal

    /// Clears the journal entries with these `seq`s (verified and flushed).
    func clearStatusJournalEntries(seqs: [Int64]) async throws
}
