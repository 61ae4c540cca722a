import Foundation
import SpoolInbox

/// Control files once across a cluster (issue 12): with a `node`, a request in `cancel/`, `retry/` or `purge/`
/// is first claimed by rename into `<directory>/.claimed/<node>/`; the node whose rename wins handles it,
/// the others skip it. What a node left there (a crash between claim and removal) it handles at its next
/// sweep; a lost node's leftovers are put back by `ClusterRescueService`. Without a node, requests are
/// handled where they are, as on one node.
extension ControlFiles {
    /// `<directory>/.claimed/<node>`: hidden from the directory's watcher by its dot-name.
    static func claimDirectory(of directory: String, node: String) -> String {
        directory + "/.claimed/" + node
    }

    /// The requests of `directory` this sweep handles: each ID name with the path to remove once handled.
    /// In a cluster: this node's leftovers first, then every request it wins the claim of.
    func takeRequests(in directory: String) -> [(name: String, path: String)] {
        let visible = { (dir: String) in
            ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        }
        guard let node else { return visible(directory).map { ($0, directory + "/" + $0) } }
        let claimed = Self.claimDirectory(of: directory, node: node)
        var requests = visible(claimed).map { ($0, claimed + "/" + $0) }
        for name in visible(directory) where !requests.contains(where: { $0.0 == name }) {
            do {
                if try InboxClaimer.take(directory + "/" + name, to: claimed + "/" + name) {
                    requests.append((name, claimed + "/" + name))
                }
            } catch {
                logger.error(
                    "control file not claimed", metadata: ["path": "\(directory)/\(name)", "error": "\(error)"])
            }
        }
        return requests
    }
}
