import Foundation

/// Output file names, with the ` (2)`, ` (3)`, … suffix used when a name in `out/` is taken (folder-contract §3).
package enum OutputNaming {
    /// index 1 -> "name.ext", 2 -> "name (2).ext", 3 -> "name (3).ext"
    ///
    /// An empty `ext` gives no trailing dot; an index below 1 is treated as 1.
    package static func fileName(base: String, ext: String, index: Int) -> String {
        let stem = index > 1 ? "\(base) (\(index))" : base
        return ext.isEmpty ? stem : "\(stem).\(ext)"
    }
}
