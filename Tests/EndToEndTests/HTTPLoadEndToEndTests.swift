import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// One download at a time and a small body limit: the first job downloads slowly, the others stay Pending.
private let loadConfig = """
    {"rescan_interval_s": 0.5, "incomplete_grace_s": 2, "retries": 0, "downloads": 1, "max_batch_bytes": 8192,
     "allow_private_network": true, "http_listen": "127.0.0.1:0"}
    """

@Suite("End to end: the HTTP API under load and malformed HTTP", .serialized, .timeLimit(.minutes(5)))
struct HTTPLoadEndToEndTests {
    @Test("200 concurrent GET /jobs/{id} and 50 concurrent POST /jobs/bulk: all answered correctly, no batch lost")
    func concurrent() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("http-load", config: loadConfig)
        try spool.start()
        let http = try await SpoolHTTPClient.connect(to: spool)
        // The first job holds the one slot for a long time; the second stays Pending, so its file is stable.
        let seed = try #require(
            try await http.post(
                "/jobs/bulk",
                batchJSON(jobs: [(lab.url("slow/2000/clipA.mp4"), "busy"), (lab.url("clipB.mp4"), "waiting")])
            ).json)
        let waiting = try #require((seed["job_ids"] as? [String])?.last)
        let expected = try Data(contentsOf: spool.dir("jobs").appendingPathComponent("\(waiting).json"))

        let gets = try await withThrowingTaskGroup(of: HTTPAnswer.self) { group in
            for _ in 0..<200 { group.addTask { try await http.get("/jobs/\(waiting)") } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(gets.count == 200)
        #expect(gets.filter { $0.status == 200 && $0.body == expected }.count == 200)

        let posts = try await withThrowingTaskGroup(of: (Int, HTTPAnswer).self) { group in
            for index in 0..<50 {
                group.addTask {
                    let body = batchJSON(
                        folder: "load/\(index)",
                        jobs: [(lab.url("clipB.mp4"), "p\(index)-a"), (lab.url("clipA.mp4"), "p\(index)-b")])
                    return (index, try await http.post("/jobs/bulk", body))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(posts.filter { $0.1.status == 201 }.count == 50, "\(posts.map { $0.1.status })")
        let batchIDs = Set(posts.compactMap { $0.1.json?["batch_id"] as? String })
        #expect(batchIDs.count == 50)
        for (_, answer) in posts {
            let id = try #require(answer.json?["batch_id"] as? String)
            #expect(
                FileManager.default.fileExists(atPath: spool.dir("archive").appendingPathComponent("\(id).json").path))
            #expect(
                FileManager.default.fileExists(atPath: spool.dir("batches").appendingPathComponent("\(id).json").path))
            for job in answer.json?["job_ids"] as? [String] ?? [] {
                #expect(spool.job(job) != nil, "job \(job) has no status file")
            }
        }
        #expect(listDir(spool.dir("archive")).count == 51)
        let list = try #require(try await http.get("/jobs?limit=100").json)
        #expect(jsonInt(list["total"]) == 102)
        try await spool.stop()
        #expect(spool.exitStatus == 0)
    }

    @Test("malformed HTTP is refused without harm: wrong content type, a chunked body over the limit, slow headers")
    func malformed() async throws {
        let spool = try SpoolRoot("http-malformed", config: loadConfig)
        try spool.start()
        let http = try await SpoolHTTPClient.connect(to: spool)
        let port = try #require(URLComponents(string: http.base)?.port)

        let form = try await http.request(
            "POST", "/jobs/bulk", body: Data("jobs=1".utf8), contentType: "application/x-www-form-urlencoded")
        #expect(form.status == 415)
        #expect(form.json?["error"] is String)

        // A chunked body that never says its length, 64 KiB past the 8 KiB limit: 413, nothing stored.
        let chunked = try RawConnection(port: port)
        chunked.send(
            "POST /jobs/bulk HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n")
        let chunk = String(repeating: "a", count: 4096)
        for _ in 0..<16 { if !chunked.send("1000\r\n\(chunk)\r\n") { break } }
        chunked.send("0\r\n\r\n")
        let answer = String(decoding: chunked.readAll(timeout: 10).data, as: UTF8.self)
        #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer.prefix(300))")
        #expect(answer.contains("max_batch_bytes"))

        // Slow loris: 50 connections that never finish their headers do not stop others being served,
        // and are closed by the idle timeout (30 s).
        let slow = try (0..<50).map { _ in try RawConnection(port: port) }
        for connection in slow { connection.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ") }
        let began = Date()
        #expect(try await http.get("/healthz").status == 200)
        #expect(Date().timeIntervalSince(began) < 5)
        let closed = slow[0].readAll(timeout: 45)
        #expect(closed.closed, "a connection with half-sent headers stayed open for 45 s")

        #expect(listDir(spool.dir("archive")).isEmpty)
        #expect(listDir(spool.dir("batches")).isEmpty)
        #expect(try await http.get("/healthz").status == 200)
        try await spool.stop()
        #expect(spool.exitStatus == 0)
    }
}
