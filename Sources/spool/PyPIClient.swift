import Foundation
import SpoolCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Asks PyPI's JSON API which yt-dlp is the newest. Foundation's URLSession, because the only
/// other HTTP client on hand (yt-dlp itself, pip) has no stable way to answer this question.
enum PyPIClient {
    static let url = URL(string: "https://pypi.org/pypi/yt-dlp/json")!

    /// The newest release and its upload date; throws a message naming PyPI when it cannot be read.
    static func newestYtDlp() async throws -> PyPIRelease {
        var request = URLRequest(url: url)
        request.timeoutInterval = 30
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw ToolsCommandError(
                "cannot reach PyPI (\(url.absoluteString)): \(error.localizedDescription); "
                    + "pass --version X to install a version you name")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 200, let release = PyPIRelease.parse(data) else {
            throw ToolsCommandError(
                "PyPI answered \(status) without a usable yt-dlp version (\(url.absoluteString)); "
                    + "pass --version X to install a version you name")
        }
        return release
    }
}
