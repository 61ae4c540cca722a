/// A configuration that cannot be used; the message names the key, where it was set and what to do.
package struct ConfigurationError: Error, CustomStringConvertible {
    package var message: String
    /// The key a range check failed on, so the loader can add where it was set.
    package var key: String?
    package var description: String { message }

    package init(message: String, key: String? = nil) {
        self.message = message
        self.key = key
    }
}
