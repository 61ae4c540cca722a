/// The `node` label of a cluster node's exposition (issue 12: "`metrics.prom` per node"): every sample line
/// gets `node="<name>"` first among its labels, so a dashboard sums or splits the nodes. Done on the text
/// because swift-prometheus has no registry-wide constant label.
enum MetricsNodeLabel {
    /// `text` with `node="<node>"` added to every sample (comment and blank lines as they are). The name is
    /// a `node_name` (letters, digits, `.`, `-`, `_`), so it needs no escaping.
    static func labelled(_ text: String, node: String) -> String {
        let label = "node=\"\(node)\""
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard !line.isEmpty, !line.hasPrefix("#") else { return String(line) }
            if let brace = line.firstIndex(of: "{") {
                let after = line.index(after: brace)
                let rest = line[after...]
                return String(line[..<after]) + label + (rest.hasPrefix("}") ? "" : ",") + rest
            }
            guard let space = line.firstIndex(of: " ") else { return String(line) }
            return String(line[..<space]) + "{\(label)}" + line[space...]
        }.joined(separator: "\n")
    }
}
