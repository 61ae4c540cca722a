import Foundation

/// What the PyPI JSON API (`https://pypi.org/pypi/yt-dlp/json`) says about yt-dlp: the newest
/// version and when each release was uploaded. Only the fields spool reads are decoded.
package struct PyPIRelease: Sendable, Equatable {
    /// The newest release (`info.version`).
    package var newest: YtDlpVersion
    /// When the newest release's first file was uploaded, if PyPI says.
    package var uploaded: Date?

    package init(newest: YtDlpVersion, uploaded: Date?) {
        self.newest = newest
        self.uploaded = uploaded
    }

    /// Parses the API's JSON; nil when it has no usable `info.version`.
    package static func parse(_ data: Data) -> PyPIRelease? {
        struct File: Decodable {
            var uploaded: String?
            enum CodingKeys: String, CodingKey { case uploaded = "upload_time_iso_8601" }
        }
        struct Body: Decodable {
            struct Info: Decodable { var version: String }
            var info: Info
            var releases: [String: [File]]?
            var urls: [File]?
        }
        guard let body = try? JSONDecoder().decode(Body.self, from: data),
            let newest = YtDlpVersion(body.info.version)
        else { return nil }
        let files = body.urls ?? body.releases?[body.info.version] ?? []
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        let dates = files.compactMap(\.uploaded).compactMap {
            formatter.date(from: $0) ?? plain.date(from: $0)
        }
        return PyPIRelease(newest: newest, uploaded: dates.min())
    }
}
