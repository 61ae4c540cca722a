import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension YtDlpForkServer {
    /// The configured yt-dlp program as found on disk: where it is, and whether it is a Python entry
    /// point (a `#!…python…` script that imports `yt_dlp`, as pip and the README's venv install it),
    /// which is what the fork server needs: it runs that script's interpreter and imports the same package.
    package struct Program: Sendable, Equatable {
        /// The configured value (`yt_dlp_path`): a name looked up in PATH, or a path.
        package var configured: String
        /// Where it was found (not resolved: a venv's `bin/python` must keep its own path), or nil.
        package var path: String?
        /// The interpreter of a Python entry point (its `#!` line), or nil when it is not one.
        package var interpreter: String?

        package var isPythonEntryPoint: Bool { interpreter != nil }

        /// Looks `configured` up (PATH when it has no `/`) and reads its first 4 KiB.
        package static func inspect(_ configured: String, path environmentPATH: String? = nil) -> Program {
            var program = Program(configured: configured, path: nil, interpreter: nil)
            guard let found = locate(configured, in: environmentPATH ?? ProcessInfo.processInfo.environment["PATH"])
            else { return program }
            program.path = found
            program.interpreter = entryPointInterpreter(FileHandle(forReadingAtPath: found)?.readData(ofLength: 4096))
            return program
        }

        /// The interpreter named by a Python entry point script's head, or nil for anything else (an
        /// ELF binary, a zipapp, a shell wrapper).
        package static func entryPointInterpreter(_ head: Data?) -> String? {
            guard let head, head.starts(with: Array("#!".utf8)) else { return nil }
            let text = String(decoding: head, as: UTF8.self)
            let first = text.prefix { $0 != "\n" }.dropFirst(2).trimmingCharacters(in: .whitespaces)
            // `#!/usr/bin/env python3` names the interpreter by PATH; take the absolute form only.
            guard let interpreter = first.split(separator: " ").first.map(String.init), interpreter.hasPrefix("/"),
                (interpreter as NSString).lastPathComponent.hasPrefix("python"),
                text.contains("from yt_dlp import main") || text.contains("import yt_dlp")
            else { return nil }
            return interpreter
        }

        private static func locate(_ name: String, in pathList: String?) -> String? {
            if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
            for dir in (pathList ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") where !dir.isEmpty {
                let candidate = "\(dir)/\(name)"
                if access(candidate, X_OK) == 0 { return candidate }
            }
            return nil
        }
    }

    /// What identifies the yt-dlp on disk: the program's resolved path and mtime, and (once a helper has
    /// imported it) the package's `version.py`. `spool tools update` swaps what the configured path
    /// points to, `pip install -U` rewrites both files: either changes this, and the helper is replaced.
    struct Fingerprint: Sendable, Equatable {
        var program: FileStamp
        var versionFile: FileStamp?

        struct FileStamp: Sendable, Equatable {
            var path: String
            var seconds: Int
            var nanoseconds: Int
            var inode: UInt64

            /// The file `path` resolves to, as it is now; nil when it cannot be read.
            init?(_ path: String) {
                guard let resolved = realpath(path, nil) else { return nil }
                defer { free(resolved) }
                var info = stat()
                guard stat(resolved, &info) == 0 else { return nil }
                self.path = String(cString: resolved)
                seconds = info.st_mtim.tv_sec
                nanoseconds = info.st_mtim.tv_nsec
                inode = UInt64(info.st_ino)
            }
        }
    }
}
