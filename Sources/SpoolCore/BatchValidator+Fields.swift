import Foundation

extension BatchValidator.Validation {
    typealias JSONValue = BatchValidator.JSONValue

    // MARK: - Typed getters (absent and null both mean "not given")

    /// The value under `key`, or `nil` when it is absent or `null` (serde clients send `null` for "not set").
    func value(_ key: String) -> JSONValue? {
        guard let value = object[key], value != .null else { return nil }
        return value
    }

    mutating func string(_ key: String) -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let text) = value else {
            fail(key, "\(key) must be a string, not \(value.kind)")
            return nil
        }
        return text
    }

    mutating func enumString(_ key: String, allowed: [String]) -> String? {
        guard let text = string(key) else { return nil }
        guard allowed.contains(text) else {
            fail(key, "\(key) must be one of \(BatchValidator.list(allowed)), not \(BatchValidator.quoted(text))")
            return nil
        }
        return text
    }

    mutating func bool(_ key: String) -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .bool(let flag) = value else {
            fail(key, "\(key) must be true or false (a JSON boolean), not \(value.kind)")
            return nil
        }
        return flag
    }

    mutating func integer(_ key: String, in range: ClosedRange<Int>, rangeText: String) -> Int? {
        guard let value = value(key) else { return nil }
        guard case .int(let number) = value else {
            fail(key, "\(key) must be a whole number \(rangeText), not \(value.kind)")
            return nil
        }
        guard range.contains(number) else {
            fail(key, "\(key) must be a whole number \(rangeText), not \(number)")
            return nil
        }
        return number
    }

    // MARK: - Jobs

    mutating func checkJobs() -> [JobItem]? {
        guard let value = value("jobs") else {
            fail("jobs", "jobs is required; add an array of {\"url\": …} items")
            return nil
        }
        guard case .array(let items) = value else {
            fail("jobs", "jobs must be an array of {\"url\": …} items, not \(value.kind)")
            return nil
        }
        if items.isEmpty {
            fail("jobs", "jobs must contain at least 1 item; add the URLs to download")
        } else if items.count > settings.maxJobs {
            fail(
                "jobs",
                "jobs has \(items.count) items but at most \(settings.maxJobs) are allowed; split the batch into several files"
            )
        }
        var jobs: [JobItem] = []
        for (index, item) in items.enumerated() {
            if let job = checkJob(item, path: "jobs[\(index)]") { jobs.append(job) }
        }
        return jobs.count == items.count ? jobs : nil
    }

    private mutating func checkJob(_ item: JSONValue, path: String) -> JobItem? {
        guard case .object(let fields) = item else {
            fail(path, "each job must be an object such as {\"url\": \"https://…\"}, not \(item.kind)")
            return nil
        }
        checkKeys(Set(fields.keys), known: BatchValidator.jobItemKeys, path: path)
        var url: String?
        switch fields["url"] {
        case nil, .null?:
            fail("\(path).url", "url is required; add the http or https URL to download")
        case .string(let text)?:
            if let problem = BatchValidator.urlProblem(
                text, refuseLiteralPrivateAddresses: settings.refuseLiteralPrivateAddresses)
            {
                fail("\(path).url", problem)
            } else {
                url = text
            }
        case let other?:
            fail("\(path).url", "url must be a string, not \(other.kind)")
        }
        var filename: String?
        var filenameIsValid = true
        switch fields["filename"] {
        case nil, .null?:
            break
        case .string(let text)?:
            if let problem = BatchValidator.filenameProblem(text) {
                fail("\(path).filename", problem)
                filenameIsValid = false
            } else {
                let clean = FilenameSanitizer.sanitize(text)
                filename = clean.isEmpty ? nil : clean
            }
        case let other?:
            fail("\(path).filename", "filename must be a string, not \(other.kind)")
            filenameIsValid = false
        }
        guard let url, filenameIsValid else { return nil }
        return JobItem(url: url, filename: filename)
    }

    // MARK: - Folder

    mutating func checkFolder() -> String? {
        guard let text = string("folder") else { return nil }
        switch BatchValidator.sanitizedFolder(text) {
        case .success(let folder): return folder
        case .failure(let problem):
            fail("folder", problem.message)
            return nil
        }
    }

    // MARK: - Other options

    mutating func maxResolution() -> String? {
        guard let value = value("max_resolution") else { return nil }
        let text: String
        switch value {
        case .string(let string): text = string
        case .int(let number): text = String(number)  // clients often send 720 rather than "720"
        default:
            fail("max_resolution", "max_resolution must be a string such as \"1080\", not \(value.kind)")
            return nil
        }
        guard BatchValidator.resolutions.contains(text) else {
            fail(
                "max_resolution",
                "max_resolution must be one of \(BatchValidator.list(BatchValidator.resolutions)), not \(BatchValidator.quoted(text))"
            )
            return nil
        }
        return text
    }

    mutating func clips() -> (start: String?, end: String?) {
        let start = clipTime("clip_start")
        let end = clipTime("clip_end")
        if let end {
            let lower = start?.seconds ?? 0
            if end.seconds <= lower {
                let other = start.map { "clip_start (\($0.text))" } ?? "0"
                fail("clip_end", "clip_end (\(end.text)) must be greater than \(other)")
            }
        }
        return (start?.text, end?.text)
    }

    private mutating func clipTime(_ key: String) -> (text: String, seconds: Double)? {
        guard let value = value(key) else { return nil }
        guard case .string(let text) = value else {
            fail(key, "\(key) must be a string such as \"00:01:30\", \"01:30\" or \"90\", not \(value.kind)")
            return nil
        }
        guard let seconds = ClipTime.parse(text) else {
            fail(
                key,
                "\(key) must be HH:MM:SS, MM:SS or seconds (fractions allowed, e.g. \"90.5\"), not \(BatchValidator.quoted(text))"
            )
            return nil
        }
        return (text, seconds)
    }

    mutating func checkIdempotencyKey() -> String? {
        guard let text = string("idempotency_key") else { return nil }
        if text.isEmpty {
            fail("idempotency_key", "idempotency_key must not be empty; remove it or give a unique value")
            return nil
        }
        let length = BatchValidator.length(text)
        if length > 200 {
            fail("idempotency_key", "idempotency_key must be at most 200 characters, not \(length)")
            return nil
        }
        return text
    }

    /// Checks `api_key` against the configured keys; the key itself never appears in a message.
    mutating func checkAPIKey() -> String? {
        let given: String?
        switch value("api_key") {
        case nil: given = nil
        case .string(let text)?: given = text
        case let other?:
            fail("api_key", "api_key must be a string, not \(other.kind)")
            return nil
        }
        guard !settings.apiKeys.isEmpty else { return given }
        guard let given else {
            fail("api_key", "api_key is required because this spool is configured with API keys; add a valid api_key")
            return nil
        }
        guard APIKeyCheck.matches(given, anyOf: settings.apiKeys) else {
            fail("api_key", "api_key is not valid; use one of the keys configured for this spool")
            return nil
        }
        return given
    }
}
