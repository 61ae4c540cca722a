import Foundation
import SpoolCore
import SpoolFiles
import SpoolStore

/// Status files written by several nodes (docs/cluster.md): each write takes the root's shared lock and
/// reads what it writes from the store under it, so the last file written is the newest view, whichever
/// node wrote it. Without the lock, a node that read a batch before another node's last job ended could
/// write its older view after that node's final one, and the file would stay behind the database.
extension StatusWriter {
    /// `write(job:)` with the shared lock: the job as the store holds it now (`job` when it is gone).
    nonisolated(nonsending) func writeShared(job: JobRecord, lock: SharedFileLock, ticket: UInt64) async {
        await order.turn(ticket)
        let locked = await lock.lock()
        let current = ((try? await store.fetchJob(id: job.id)) ?? nil) ?? job
        write(await document(of: current), to: paths.jobStatus(job.id))
        if locked { lock.unlock() } else { warnUnlocked(lock) }
        order.done(ticket)
    }

    /// `writeBatch(id:)` with the shared lock.
    nonisolated(nonsending) func writeBatchShared(id: String, lock: SharedFileLock, ticket: UInt64) async {
        await order.turn(ticket)
        let locked = await lock.lock()
        if let document = await batchDocument(id: id) { write(document, to: paths.batchStatus(id)) }
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

    private func warnUnlocked(_ lock: SharedFileLock) {
        logger.warning(
            "status file written without the shared lock: the file system refuses flock (NFS mounted nolock?)",
            metadata: ["lock": "\(lock.path)"])
    }
}
