import Foundation

/// The batch file as kept in `archive/` and `rejected/`: byte for byte, except that `api_key` is removed.
package enum BatchFile {
    /// Re-serialised JSON without the top-level "api_key" when the data parses as a JSON object that carries one; nil otherwise (then the bytes are kept as they are).
    package static func removingAPIKey(_ data: Data) -> Data? {
        // A BOM would make JSONSerialization guess the encoding; strip the one that folder-contract §3 tolerates.
        let body = data.starts(with: BatchValidator.utf8BOM) ? data.dropFirst(BatchValidator.utf8BOM.count) : data[...]
        guard
            let parsed = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]),
            var object = parsed as? [String: Any],
            object.removeValue(forKey: "api_key") != nil
        else { return nil }
        return try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    }
}
