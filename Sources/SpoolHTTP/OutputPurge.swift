import Foundation
import SpoolService
import SpoolStore

/// Deleting a Completed job's outputs (`DELETE /jobs/{id}/file`).
///
/// `local` removes the files under `out/` now. When the `purge/` control lands (ControlFiles+Purge.swift), its
/// entry point replaces `local` through `SpoolAPI.purgeOutputs`, so the store and status file record the
/// deletion as the folder's `purge/` does.
enum OutputPurge {
    enum Result: Sendable, Equatable {
        /// The primary output's key (`deleted_key`); the subtitle and thumbnail files went with it.
        case deleted(key: String)
        case nothingToDelete
    }

    static func local(_ job: JobRecord, paths: SpoolPaths) throws -> Result {
        guard job.status == .completed, let result = job.result, let key = result.s3Key else { return .nothingToDelete }
        let primary = try inside(paths.out, key)
        guard FileManager.default.fileExists(atPath: primary) else { return .nothingToDelete }
        for extra in result.subtitleKeys + [result.thumbnailKey].compactMap({ $0 }) {
            if let path = try? inside(paths.out, extra) { try? FileManager.default.removeItem(atPath: path) }
        }
        try FileManager.default.removeItem(atPath: primary)
        return .deleted(key: key)
    }

    /// `out/<key>`, refusing a key that would leave `out/` (never written outside the root).
    static func inside(_ out: String, _ key: String) throws -> String {
        let parts = key.split(separator: "/")
        guard !key.hasPrefix("/"), !parts.isEmpty, !parts.contains(where: { $0 == ".." || $0 == "." }) else {
            throw APIError(.badRequest, "The job's output key \(key) is not inside out/")
        }
        return out + "/" + key
    }
}
