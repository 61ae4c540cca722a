import Foundation
import Logging
import SpoolCore

/// The upload step (docs/publishing.md): a job's verified outputs from `out/` to the bucket through
/// rclone, under the first free name (` (2)` rule), each object's size and MD5 compared with the local
/// file, then presigned GET URLs for the status file.
///
/// rclone is the uploader (multipart, Content-MD5 per part, its own size/MD5 check); spool adds the
/// retries it counts (`retries`, `retry_base_delay_s`), the name choice and the final comparison.
/// Cancellation: the running rclone is stopped and any multipart upload of the key is aborted.
package struct BucketUploader: Sendable {
    package var target: PublishTarget
    package var remote: RcloneRemote
    /// The rclone program (a name looked up in PATH, or a path).
    package var rclone: String
    /// Runs rclone with the remote's variables added to the environment.
    package var runner: ToolRunner
    package var retry: RetryPolicy
    package var urlExpirySeconds: Int
    package var keepLocal: Bool
    package var logger: Logger
    /// Keys being uploaded by this process, so two jobs never pick the same free name at once.
    let claims = KeyClaims()

    /// rclone, looked up in PATH (scripts/ensure-deps.sh installs it into the project's `.venv`).
    package static let defaultProgram = "rclone"

    package init(
        target: PublishTarget, remote: RcloneRemote, rclone: String, runner: ToolRunner, retry: RetryPolicy,
        urlExpirySeconds: Int, keepLocal: Bool, logger: Logger
    ) {
        self.target = target
        self.remote = remote
        self.rclone = rclone
        var runner = runner
        runner.environment.merge(remote.environment) { _, new in new }
        self.runner = runner
        self.retry = retry
        self.urlExpirySeconds = urlExpirySeconds
        self.keepLocal = keepLocal
        self.logger = logger
    }

    /// One file to upload: its path under `out/` and the name's tail after the base (`.mp4`, `.en.vtt`).
    package struct File: Sendable {
        package var local: String
        package var suffix: String

        package init(local: String, suffix: String) {
            self.local = local
            self.suffix = suffix
        }
    }

    /// Uploads `files` (the main output first) as `<prefix>/<folder>/<base>[ (n)]<suffix>`.
    /// Throws `BucketFailure` when the bucket refuses or keeps failing, `AttemptEnd(.cancelled)` on cancel.
    func upload(
        _ files: [File], folder: String?, base: String, jobID: String,
        report: @escaping @Sendable (JobReport) async -> Void
    ) async throws -> BucketUpload {
        let directory = target.objectDirectory(folder: folder)
        var retries = 0
        var taken = Set(try await withRetries(&retries) { try await list(directory: directory) })
        let began = ContinuousClock.now
        var index = 1
        while true {
            let names = files.map {
                OutputNaming.fileName(base: base, ext: String($0.suffix.dropFirst()), index: index)
            }
            index += 1
            let mainKey = directory + names[0]
            // The listing is the HEAD check across writers; the claim keeps two jobs of this process apart.
            guard !taken.contains(names[0]), await claims.claim(mainKey) else { continue }
            let placed: (keys: [String?], bytes: Int64, urls: [String: String])
            do {
                placed = try await place(
                    files, names: names, directory: directory, taken: &taken, retries: &retries, jobID: jobID,
                    report: report)
            } catch {
                await claims.release(mainKey)
                throw error
            }
            await claims.release(mainKey)
            guard placed.keys.first ?? nil != nil else { continue }
            var upload = try await finish(
                placed.keys, files: files, bytes: placed.bytes, urls: placed.urls, since: began, retries: &retries)
            upload.retries = retries
            logger.info(
                "uploaded to bucket",
                metadata: [
                    "job.id": "\(jobID)", "bucket": "\(target.bucket)", "key": "\(upload.key)",
                    "bytes": "\(placed.bytes)", "retries": "\(retries)",
                ])
            return upload
        }
    }

    /// Uploads and verifies each file under its name; a nil key is a file left out (its name was taken).
    /// The main file's key nil means another writer took the name: the caller tries the next one.
    private func place(
        _ files: [File], names: [String], directory: String, taken: inout Set<String>, retries: inout Int,
        jobID: String, report: @escaping @Sendable (JobReport) async -> Void
    ) async throws -> (keys: [String?], bytes: Int64, urls: [String: String]) {
        var keys: [String?] = []
        var bytes: Int64 = 0
        var urls: [String: String] = [:]
        let firstSubtitle = files.firstIndex { $0.suffix.hasSuffix(".vtt") }
        for (i, (file, name)) in zip(files, names).enumerated() {
            let key = directory + name
            // A side file whose name is taken is left out rather than overwriting (as in `out/`).
            if i > 0 && taken.contains(name) {
                keys.append(nil)
                continue
            }
            // The local file's MD5 is read while the upload runs (rclone starts are the step's overhead).
            async let localStat = stat(local: file.local)
            do {
                try await withRetries(&retries) {
                    try await transfer(file.local, key: key, jobID: jobID, report: report)
                }
                let local = try await localStat
                // The presigned URL is made while the object is checked (it grants nothing until the status
                // file shows it); finish() makes it again, with retries, if this one failed.
                let wanted = i == 0 || i == firstSubtitle || file.suffix == ".jpg"
                async let presigned = wanted ? try? link(key) : nil
                try await withRetries(&retries) {
                    // A different object at the key: another writer took the name between the listing
                    // and the upload (`--ignore-existing` left it alone). Not a failure: the next name.
                    guard try await stat(key: key).matches(local) else { throw NameTaken() }
                }
                keys.append(key)
                bytes += local.size
                if let url = await presigned { urls[key] = url }
            } catch is NameTaken {
                keys.append(nil)
                taken.insert(name)
                if i == 0 { break }
            }
        }
        return (keys, bytes, urls)
    }

    /// The job's record of the upload, with presigned URLs for the main file, the first subtitle, the thumbnail.
    private func finish(
        _ keys: [String?], files: [File], bytes: Int64, urls: [String: String], since began: ContinuousClock.Instant,
        retries: inout Int
    ) async throws -> BucketUpload {
        let seconds = JobRunner.seconds(ContinuousClock.now - began)
        var upload = BucketUpload(bucket: target.bucket, key: keys[0] ?? "")
        let subtitleCount = files.filter { $0.suffix.hasSuffix(".vtt") }.count
        upload.subtitleKeys = keys.dropFirst().prefix(subtitleCount).compactMap { $0 }
        upload.thumbnailKey = files.count > subtitleCount + 1 ? keys.last ?? nil : nil
        upload.bytes = bytes
        upload.durationMs = Int64(seconds * 1000)
        upload.speedMbps = seconds > 0 ? (Double(bytes) * 8 / seconds / 1_000_000 * 100).rounded() / 100 : nil
        upload.keptLocal = keepLocal
        func url(_ key: String) async throws -> String {
            if let made = urls[key] { return made }
            return try await withRetries(&retries) { try await link(key) }
        }
        upload.url = try await url(upload.key)
        if let first = upload.subtitleKeys.first { upload.subtitleURL = try await url(first) }
        if let thumbnail = upload.thumbnailKey { upload.thumbnailURL = try await url(thumbnail) }
        return upload
    }

    /// Deletes objects (`purge/`); a missing object is not an error.
    package func delete(keys: [String]) async throws {
        var retries = 0
        for key in keys {
            try await withRetries(&retries) {
                let result = try await runner.run(
                    rclone, arguments: remote.deleteArguments(bucket: target.bucket, key: key))
                if result.exitCode != 0 && !result.stderrTail.joined().contains("not found") {
                    throw BucketFailure.classify(result.stderrTail, bucket: target.bucket)
                }
            }
        }
    }

    // MARK: - One rclone call each

    /// Runs `body`, again after a transient failure while `retries` allows, counting the retries.
    func withRetries<T>(_ retries: inout Int, _ body: () async throws -> T) async throws -> T {
        while true {
            do {
                return try await body()
            } catch let failure as BucketFailure where failure.retryable && retry.allowsRetry(after: retries) {
                retries += 1
                logger.notice(
                    "bucket operation failed, retrying",
                    metadata: ["bucket": "\(target.bucket)", "retry": "\(retries)"])
                do {
                    try await Task.sleep(for: .milliseconds(Int(retry.delay(forRetry: retries) * 1000)))
                } catch { throw AttemptEnd(.cancelled) }
            }
        }
    }

    /// rclone copyto with progress; on cancel, aborts the key's multipart upload.
    func transfer(
        _ local: String, key: String, jobID: String, report: @escaping @Sendable (JobReport) async -> Void
    ) async throws {
        let throttle = ProgressThrottle()
        let (_, result) = try await runner.withTool(
            rclone, arguments: remote.uploadArguments(local: local, bucket: target.bucket, key: key),
            onStderrLine: { line in
                switch RcloneLogLine.parse(line) {
                case .stats(let bytes, let total, _)?:
                    if let progress = RcloneLogLine.parse(line)?.progress,
                        await throttle.shouldReport(final: bytes == total)
                    {
                        await report(.progress(progress))
                    }
                    return false
                case .error?: return true
                default: return false
                }
            }
        ) { _ in }
        if result.cancelled || Task.isCancelled {
            await abortMultipart(key: key, jobID: jobID)
            throw AttemptEnd(.cancelled)
        }
        guard result.exitCode == 0 else {
            logger.info(
                "upload failed",
                metadata: [
                    "job.id": "\(jobID)", "bucket": "\(target.bucket)",
                    "stderr": "\(result.stderrTail.suffix(2).joined(separator: " | "))",
                ])
            throw BucketFailure.classify(result.stderrTail, bucket: target.bucket)
        }
    }

    /// Aborts unfinished multipart uploads of `key`, outside the cancelled task (its rclone must run).
    private func abortMultipart(key: String, jobID: String) async {
        let (runner, rclone, arguments) = (
            runner, rclone, remote.abortUploadsArguments(bucket: target.bucket, key: key)
        )
        let result = await Task.detached { try? await runner.run(rclone, arguments: arguments) }.value
        logger.info(
            "aborted the multipart upload",
            metadata: ["job.id": "\(jobID)", "key": "\(key)", "exit": "\(result?.exitCode ?? -1)"])
    }

    /// The names directly under `directory` in the bucket.
    func list(directory: String) async throws -> [String] {
        let lines = LineCollector()
        let result = try await runner.run(
            rclone, arguments: remote.listArguments(bucket: target.bucket, directory: directory)
        ) { await lines.append($0) }
        if result.cancelled || Task.isCancelled { throw AttemptEnd(.cancelled) }
        guard result.exitCode == 0 else { throw BucketFailure.classify(result.stderrTail, bucket: target.bucket) }
        return await lines.text.split(separator: "\n").map(String.init)
    }

    /// Size and MD5 of a local file.
    func stat(local: String) async throws -> ObjectStat {
        try await stat(remote.statArguments(local: local))
    }

    /// Size and MD5 of an object; a missing object reads as a directory, so its size is -1.
    func stat(key: String) async throws -> ObjectStat {
        try await stat(remote.statArguments(bucket: target.bucket, key: key))
    }

    func stat(_ arguments: [String]) async throws -> ObjectStat {
        let lines = LineCollector()
        let result = try await runner.run(rclone, arguments: arguments) { await lines.append($0) }
        if result.cancelled || Task.isCancelled { throw AttemptEnd(.cancelled) }
        guard result.exitCode == 0 else { throw BucketFailure.classify(result.stderrTail, bucket: target.bucket) }
        guard let stat = ObjectStat(json: await lines.text) else {
            throw BucketFailure.transient(bucket: target.bucket)
        }
        return stat
    }

    /// A presigned GET URL.
    func link(_ key: String) async throws -> String {
        let lines = LineCollector()
        let result = try await runner.run(
            rclone, arguments: remote.linkArguments(bucket: target.bucket, key: key, expirySeconds: urlExpirySeconds)
        ) { await lines.append($0) }
        if result.cancelled || Task.isCancelled { throw AttemptEnd(.cancelled) }
        guard result.exitCode == 0,
            let url = await lines.text.split(separator: "\n").first(where: { $0.hasPrefix("http") }).map(String.init)
        else {
            throw BucketFailure.classify(result.stderrTail, bucket: target.bucket)
        }
        return url
    }
}

/// The chosen name was taken by another writer after the listing.
private struct NameTaken: Error {}
