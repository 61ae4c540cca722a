import Foundation
import SpoolCore
import SpoolFiles
import SpoolStore

/// Status files written by several nodes (docs/cluster.md): each write takes the root's shared lock and
/// reads what it writes from the store under it, so the last file written is the newest view, whichever
/// node wrote it. Without the lock, a node that read a batch before another node's last job ended could
/// write its older view after that node's final one, and the file would stay behind the database.
extension StatusWriter {
    /// How long a write waits for the store while it holds the shared lock. Every node's status writes wait
    /// for that lock, so a read the database never answers (a request caught in a server's shutdown) must not
    /// keep it; such a write goes on as a failed read does.
    static let sharedReadLimit = 3.0

    /// `write(job:)` with the shared lock: the job as the store holds it now (`job` when it is gone, or when
    /// the store does not answer within `sharedReadLimit`).
    nonisolated(nonsending) func writeShared(job: JobRecord, lock: SharedFileLock, ticket: UInt64) async {
        await order.turn(ticket)
        let locked = await lock.lock()
        let (store, id) = (store, job.id)
        let current = try? await StoreDeadline.within(seconds: Self.sharedReadLimit) { [self] in
            await document(of: ((try? await store.fetchJob(id: id)) ?? nil) ?? job)
        }
        if current == nil { warnSlow(path: paths.jobStatus(job.id)) }
        write(current ?? StatusProjection.job(job, paths: paths), to: paths.jobStatus(job.id))
        if locked { lock.unlock() } else { warnUnlocked(lock) }
        order.done(ticket)
    }

    /// `writeBatch(id:)` with the shared lock; not written when the store does not answer in time (the batch's
    /// next write, or the next start-up, writes it).
    nonisolated(nonsending) func writeBatchShared(id: String, lock: SharedFileLock, ticket: UInt64) async {
        await order.turn(ticket)
        let locked = await lock.lock()
        do {
            let document = try await StoreDeadline.within(seconds: Self.sharedReadLimit) { [self] in
                await batchDocument(id: id)
            }
            if let document { write(document, to: paths.batchStatus(id)) }
        } catch {
            warnSlow(path: paths.batchStatus(id))
        }
        if locked { lock.unlock() } else { warnUnlocked(lock) }
        order.done(ticket)
    }

    /// `writeCreated` on a shared root: another node may have claimed a new job (or the batch's last one may
    /// have ended there) and written its file before this node writes the first ones, so a file is only
    /// created, never replaced.
    func writeCreatedShared(_ batch: BatchRecord, jobs: [JobRecord], encoded: [Data]) {
        var files = zip(jobs, encoded).map { (paths.jobStatus($0.id), $1) }
        files.append((paths.batchStatus(batch.id), StatusProjection.encode(StatusProjection.batch(batch, jobs: jobs))))
        for (path, data) in files {
            do {
                _ = try AtomicFile.writeIfAbsent(data, to: path)
            } catch {
                logger.error("status file not written", metadata: ["path": "\(path)", "error": "\(error)"])
            }
        }
    }

    private func warnSlow(path: String) {
        logger.warning(
            "status file written without the store's answer: none came within the limit; its next write corrects it",
            metadata: ["path": "\(path)", "limit_s": "\(Self.sharedReadLimit)"])
    }

    private func warnUnlocked(_ lock: SharedFileLock) {
        logger.warning(
            "status file written without the shared lock: the file system refuses flock (NFS mounted nolock?)",
            metadata: ["lock": "\(lock.path)"])
    }
}
