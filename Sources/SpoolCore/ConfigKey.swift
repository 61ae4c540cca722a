import Foundation

/// One configuration key: its JSON name, type, environment variable and one-line comment.
///
/// This table is the single description of the keys: it drives the loader (which layer may set
/// what, and how each value is typed), `spool config --keys` and (through a test) `config/README.md`.
package struct ConfigKey: Sendable {
    /// The type of a key's value, as `spool config --keys` and the messages name it.
    package enum Kind: String, Sendable {
        case path = "path"
        case string = "string"
        case integer = "integer"
        case number = "number"
        case bool = "true/false"
        case strings = "list of strings"
    }

    package var name: String
    package var kind: Kind
    /// Whether `null` is allowed (the key is optional and has no value by default).
    package var nullable: Bool = false
    /// The default, as it would be written in the JSON file.
    package var defaultText: String
    package var comment: String
    /// Keys the CLI handles itself (not part of `SpoolConfiguration`).
    package var cliOnly: Bool = false

    /// `SPOOL_` + the key in capitals: `downloads` → `SPOOL_DOWNLOADS`.
    package var environmentVariable: String { "SPOOL_" + name.uppercased() }

    package static let all: [ConfigKey] = [
        .init(
            name: "root", kind: .path, nullable: true, defaultText: "null",
            comment: "The root directory; --root and SPOOL_ROOT take precedence."),
        .init(
            name: "inbox", kind: .path, nullable: true, defaultText: "null",
            comment: "Where batch files are dropped, when not <root>/inbox (e.g. an NFS share)."),
        .init(
            name: "out", kind: .path, nullable: true, defaultText: "null",
            comment: "Where finished outputs go, when not <root>/out."),
        .init(
            name: "state", kind: .path, nullable: true, defaultText: "null",
            comment: "The database directory, when not <root>/state; must be a local disk."),
        .init(
            name: "rescan_interval_s", kind: .number, defaultText: "5",
            comment: "Seconds between inbox listings, for writes inotify cannot see (NFS, SMB)."),
        .init(
            name: "scan_only", kind: .bool, defaultText: "false",
            comment: "Watch the inbox by listing it only, no inotify (automatic on NFS/SMB)."),
        .init(
            name: "incomplete_grace_s", kind: .number, defaultText: "10",
            comment: "Seconds an unparseable inbox file must stay unchanged before it is rejected."),
        .init(
            name: "max_batch_bytes", kind: .integer, defaultText: "1048576",
            comment: "Largest batch file accepted, in bytes; larger ones are rejected unread."),
        .init(
            name: "downloads", kind: .integer, defaultText: "3",
            comment: "Jobs downloading at once (concurrency limit)."),
        .init(
            name: "encodes", kind: .integer, defaultText: "0",
            comment: "ffmpeg encodes at once; 0 means one per CPU core."),
        .init(
            name: "retries", kind: .integer, defaultText: "3",
            comment: "Retries of a technical failure (timeouts, HTTP 5xx/429, crashed tool)."),
        .init(
            name: "retry_base_delay_s", kind: .number, defaultText: "2",
            comment: "First retry delay in seconds; doubles each retry, with jitter."),
        .init(
            name: "allow_private_network", kind: .bool, defaultText: "false",
            comment: "Accept URLs on loopback/private networks (tests, LANs); off blocks SSRF."),
        .init(
            name: "api_keys", kind: .strings, defaultText: "[]",
            comment: "When not empty, a batch must carry one of these in api_key."),
        .init(
            name: "api_keys_file", kind: .path, nullable: true, defaultText: "null",
            comment: "A file with more API keys, one a line (# comments); read by serve at start-up.",
            cliOnly: true),
        .init(
            name: "name_conflict", kind: .string, defaultText: "\"suffix\"",
            comment: "When an output name is taken: suffix (name (2).mp4), overwrite or fail."),
        .init(
            name: "yt_dlp_path", kind: .string, defaultText: "\"yt-dlp\"",
            comment: "The yt-dlp program (a name looked up in PATH, or a path)."),
        .init(
            name: "ffmpeg_path", kind: .string, defaultText: "\"ffmpeg\"",
            comment: "The ffmpeg program."),
        .init(
            name: "ffprobe_path", kind: .string, defaultText: "\"ffprobe\"",
            comment: "The ffprobe program."),
        .init(
            name: "socket_timeout_s", kind: .integer, defaultText: "10",
            comment: "yt-dlp's network timeout in seconds."),
        .init(
            name: "wait_for_video_limit_s", kind: .number, defaultText: "21600",
            comment: "Longest wait for a scheduled stream (wait_for_video), in seconds."),
        .init(
            name: "live_recordings", kind: .integer, defaultText: "2",
            comment: "Live recordings at once, in their own slots (they never hold download slots)."),
        .init(
            name: "live_reconnect_grace_s", kind: .number, defaultText: "30",
            comment:
                "Seconds a live recording may get no new media (server errors, a lost connection) while spool reconnects, before it is taken as ended."
        ),
        .init(
            name: "subtitle_languages", kind: .strings, nullable: true, defaultText: "null",
            comment: "Subtitle languages to keep (e.g. [\"en\", \"de\"]); null keeps every one offered."),
        .init(
            name: "metrics_interval_s", kind: .number, defaultText: "5",
            comment: "Seconds between rewrites of <root>/metrics.prom; 0 turns metrics off.", cliOnly: true),
        .init(
            name: "log_level", kind: .string, defaultText: "\"info\"",
            comment: "Log level on stderr: trace, debug, info, notice, warning, error, critical.", cliOnly: true),
        .init(
            name: "publish_to", kind: .string, nullable: true, defaultText: "null",
            comment: "Also publish outputs to s3://bucket[/prefix] (credentials: AWS_* variables only)."),
        .init(
            name: "s3_endpoint", kind: .string, nullable: true, defaultText: "null",
            comment: "An S3-compatible endpoint URL (MinIO, Ceph, SeaweedFS); null means AWS."),
        .init(
            name: "s3_region", kind: .string, defaultText: "\"us-east-1\"",
            comment: "The bucket's region, used to sign requests."),
        .init(
            name: "s3_path_style", kind: .bool, nullable: true, defaultText: "null",
            comment: "Path-style bucket URLs; null means true when s3_endpoint is set, else false."),
        .init(
            name: "keep_local", kind: .bool, defaultText: "true",
            comment: "Keep the verified files in out/ after the upload; false removes them."),
        .init(
            name: "s3_url_expiry_s", kind: .integer, defaultText: "86400",
            comment: "Lifetime of the presigned URLs in status files, in seconds (at most 604800)."),
        .init(
            name: "s3_upload_cutoff_bytes", kind: .integer, defaultText: "209715200",
            comment: "Files larger than this are uploaded in parts (multipart, 5 MiB parts at least)."),
        .init(
            name: "ytdlp_fork_server", kind: .bool, nullable: true, defaultText: "null",
            comment:
                "Run yt-dlp in forks of one warm helper (saves ~1 s CPU a download); null: on when yt_dlp_path is a Python entry point."
        ),
        .init(
            name: "http_listen", kind: .string, nullable: true, defaultText: "null",
            comment: "HOST:PORT for the HTTP API (docs/http-api.md), e.g. 127.0.0.1:8080; port 0 picks a free one."),
        .init(
            name: "webhook_secret", kind: .string, nullable: true, defaultText: "null",
            comment: "Signs webhooks (X-Spool-Signature, docs/webhooks.md); never logged or shown."),
        .init(
            name: "database", kind: .string, defaultText: "\"sqlite\"",
            comment:
                "The store: sqlite (<state>/spool.sqlite) or postgres://user[:password]@host[:port]/dbname (docs/cluster.md); the password is never shown."
        ),
        .init(
            name: "node_name", kind: .string, nullable: true, defaultText: "null",
            comment: "This node's name in a cluster (letters, digits, . - _, at most 63); null: the host name."),
        .init(
            name: "work", kind: .path, nullable: true, defaultText: "null",
            comment: "A node's scratch directory for running jobs, when not <root>/work (a local disk)."),
        .init(
            name: "lease_s", kind: .integer, defaultText: "30",
            comment: "Seconds a node's claim on a job lasts without a heartbeat (at least 5); then it is lost."),
    ]

    package static func named(_ name: String) -> ConfigKey? { all.first { $0.name == name } }
}
