import Foundation
import Testing

@testable import SpoolCore

@Suite("YtDlpVersion, ToolsRecord, PyPIRelease")
struct YtDlpVersionTests {
    @Test("release versions parse; anything that is not digits and dots is refused")
    func parsing() throws {
        let v = try #require(YtDlpVersion("2026.10.26"))
        #expect((v.year, v.month, v.day, v.build) == (2026, 10, 26, nil))
        #expect(YtDlpVersion("2026.10.26.1")?.build == 1)
        #expect(YtDlpVersion(" 2026.10.26\n")?.text == "2026.10.26")
        #expect(YtDlpVersion("2026.9.1")?.month == 9)
        for bad in [
            "", "2026", "2026.10", "2026.13.01", "2026.10.32", "2026.10.26.1.2", "2026..26", "v2026.10.26",
            "2026.10.26; rm -rf /", "2026.10.26 --index-url=x", "26.10.26", "2026.10.-1", "2026.10.26a",
            "２０２６.10.26",
        ] {
            #expect(YtDlpVersion(bad) == nil, "accepted \(bad)")
        }
    }

    @Test("versions order by date, then build; leading zeros do not matter")
    func ordering() throws {
        let versions = ["2026.10.26.1", "2025.12.31", "2026.10.26", "2026.9.1", "2026.10.21", "2026.10.26.232901"]
            .compactMap(YtDlpVersion.init)
        #expect(
            versions.sorted().map(\.text) == [
                "2025.12.31", "2026.9.1", "2026.10.21", "2026.10.26", "2026.10.26.1", "2026.10.26.232901",
            ])
        #expect(YtDlpVersion("2026.09.01") == YtDlpVersion("2026.9.1"))
        #expect(YtDlpVersion("2026.10.26")! < YtDlpVersion("2026.10.26.0")!)
        #expect(!(YtDlpVersion("2026.10.26")! < YtDlpVersion("2026.10.21")!))
    }

    @Test("age in days from the version's date, never negative")
    func age() throws {
        let now = try #require(ISO8601DateFormatter().date(from: "2026-11-30T10:00:00Z"))
        #expect(YtDlpVersion("2026.10.26")?.ageInDays(now: now) == 35)
        #expect(YtDlpVersion("2026.09.30")?.ageInDays(now: now) == 61)
        #expect(YtDlpVersion("2026.12.24")?.ageInDays(now: now) == 0)
    }

    @Test("a record switches (current becomes previous) and rolls back (they trade places), and round-trips")
    func record() throws {
        let a = ToolsRecord.Entry(version: "2026.10.21", program: "/v/versions/2026.10.21/yt-dlp")
        let b = ToolsRecord.Entry(version: "2026.10.26", program: "/v/versions/2026.10.26/yt-dlp")
        let first = ToolsRecord(current: a, previous: nil, switchedAt: "t0")
        let second = first.switching(to: b, at: "t1")
        #expect(second == ToolsRecord(current: b, previous: a, switchedAt: "t1"))
        #expect(second.switching(to: b, at: "t2").previous == a, "re-switching to the same program keeps previous")
        #expect(first.rolledBack(at: "t1") == nil)
        let back = try #require(second.rolledBack(at: "t2"))
        #expect(back == ToolsRecord(current: a, previous: b, switchedAt: "t2"))
        #expect(back.rolledBack(at: "t3")?.current == b)
        let data = try second.encoded()
        #expect(try ToolsRecord.decode(data) == second)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#""switched_at" : "t1""#) && text.contains("/v/versions/2026.10.21/yt-dlp"))
        #expect(throws: (any Error).self) { try ToolsRecord.decode(Data(#"{"current": 1}"#.utf8)) }
    }

    @Test("PyPI's JSON gives the newest version and its earliest upload time")
    func pypi() throws {
        let body = #"""
            {"info": {"name": "yt-dlp", "version": "2026.10.26"},
             "releases": {"2026.10.21": [{"upload_time_iso_8601": "2026-10-21T20:00:00.000000Z"}]},
             "urls": [{"upload_time_iso_8601": "2026-10-26T18:03:05.123456Z"},
                      {"upload_time_iso_8601": "2026-10-26T18:01:00.000000Z"}]}
            """#
        let release = try #require(PyPIRelease.parse(Data(body.utf8)))
        #expect(release.newest == YtDlpVersion("2026.10.26"))
        #expect(release.uploaded == ISO8601DateFormatter().date(from: "2026-10-26T18:01:00Z"))
        #expect(PyPIRelease.parse(Data(#"{"info": {"version": "latest"}}"#.utf8)) == nil)
        #expect(PyPIRelease.parse(Data("<html>".utf8)) == nil)
        let noDates = PyPIRelease.parse(Data(#"{"info": {"version": "2026.10.26"}}"#.utf8))
        #expect(noDates?.newest.text == "2026.10.26" && noDates?.uploaded == nil)
    }
}
