// Generated from the bytes spool wrote before its status documents were typed (StatusJSON's fast path,
// JSONSerialization for documents holding a Double), for the fixtures in JobStatusDocumentTests and
// BatchStatusDocumentTests. Each string is one line of JSON; `\#` at a line's end joins it to the next.
// `node` (the cluster's, always written: null while Pending) was added to the job files since.

/// Expected status files and receipts, without their final newline.
enum StatusGoldens {
    static let jobs: [String: String] = [
        "pending": #"""
        {"audio_bitrate":null,"audio_codec":"copy","audio_only":false,"batch_id":"0190a0b0-0000-7000-8000-00000000000b",\#
        "clip_end":null,"clip_start":null,"created_at":1700000000000,"download_subtitles":false,"download_thumbnail":false,\#
        "filename":null,"folder":null,"format":"mp4","id":"0190a0b0-0000-7000-8000-000000000001","live_from_start":false,\#
        "live_recording":false,"max_duration":null,"max_resolution":"best","node":null,"quality_preset":null,"requested_quality":"best",\#
        "schema_version":1,"status":"Pending","step":"Queued","url":"https://example.com/v/clip.mp4",\#
        "video_codec":"copy","video_quality":23,"wait_for_video":false}
        """#,
        "pendingAllOptions": #"""
        {"audio_bitrate":"192k","audio_codec":"aac","audio_only":false,"batch_id":"0190a0b0-0000-7000-8000-00000000000b",\#
        "clip_end":"10.5","clip_start":"00:00:05","created_at":1700000000000,"download_subtitles":true,\#
        "download_thumbnail":true,"filename":"Ünïcode / name\t\u0001","folder":"shows/2026","format":"mkv",\#
        "id":"0190a0b0-0000-7000-8000-000000000001","live_from_start":true,"live_recording":true,"max_duration":60,\#
        "max_resolution":"720","node":null,"quality_preset":"low","requested_quality":"low","schema_version":1,\#
        "status":"Pending","step":"Queued","url":"https://example.com/a/b?x=1&y=\"q\"","video_codec":"h264",\#
        "video_quality":20,"wait_for_video":true}
        """#,
        "pendingRetry": #"""
        {"attempt":2,"audio_bitrate":null,"audio_codec":"copy","audio_only":false,"batch_id":"0190a0b0-0000-7000-8000-00000000000b",\#
        "clip_end":null,"clip_start":null,"created_at":1700000000000,"download_subtitles":false,"download_thumbnail":false,\#
        "filename":null,"folder":null,"format":"mp4","id":"0190a0b0-0000-7000-8000-000000000002","live_from_start":false,\#
        "live_recording":false,"max_duration":null,"max_resolution":"best","node":null,"original_job_id":"0190a0b0-0000-7000-8000-000000000001",\#
        "quality_preset":null,"requested_quality":"best","schema_version":1,"status":"Pending","step":"Queued",\#
        "url":"https://example.com/v/clip.mp4","video_codec":"copy","video_quality":23,"wait_for_video":false}
        """#,
        "processing": #"""
        {"audio_bitrate":null,"audio_codec":"copy","audio_only":false,"batch_id":"0190a0b0-0000-7000-8000-00000000000b",\#
        "clip_end":null,"clip_start":null,"created_at":1700000000000,"download_subtitles":false,"download_thumbnail":false,\#
        "filename":null,"folder":null,"format":"mp4","id":"0190a0b0-0000-7000-8000-000000000001","live_from_start":false,\#
        "live_recording":false,"max_duration":null,"max_resolution":"best","node":"node-a","quality_preset":null,"queue_wait_ms":100,\#
        "requested_quality":"best","schema_version":1,"started_at":1700000000100,"status":"Processing",\#
        "step":"Downloading","url":"https://example.com/v/clip.mp4","video_codec":"copy","video_quality":23,\#
        "wait_for_video":false}
        """#,
        "processingProgress": #"""
        {"attempt":1,"audio_bitrate":null,"audio_codec":"copy","audio_only":false,"batch_id":"0190a0b0-0000-7000-8000-00000000000b",\#
        "clip_end":null,"clip_start":null,"created_at":1700000000000,"download_subtitles":false,"download_thumbnail":false,\#
        "filename":null,"folder":null,"format":"mp4","id":"0190a0b0-0000-7000-8000-000000000001","live_from_start":false,\#
        "live_recording":false,"max_duration":null,"max_resolution":"best","node":"node-a","progress":{"downloaded_bytes":1234567,\#
        "eta_s":3,"percent":42.5,"speed_bps":1536000.25,"total_bytes":2904863},"quality_preset":null,\#
        "queue_wait_ms":100,"requested_quality":"best","schema_version":1,"started_at":1700000000100,\#
        "status":"Processing","step":"Downloading","url":"https://example.com/v/clip.mp4","video_codec":"copy",\#
        "video_quality":23,"wait_for_video":false}
        """#,
        "processingPartialProgress": #"""
        {"audio_bitrate":null,"audio_codec":"copy","audio_only":false,"batch_id":"0190a0b0-0000-7000-8000-00000000000b",\#
        "clip_end":null,"clip_start":null,"created_at":1700000000000,"download_subtitles":false,"download_thumbnail":false,\#
        "filename":null,"folder":null,"format":"mp4","id":"0190a0b0-0000-7000-8000-000000000001","live_from_start":false,\#
        "live_recording":false,"max_duration":null,"max_resolution":"best","node":"node-a","progress":{"downloaded_bytes":null,\#
        "eta_s":null,"percent":50,"speed_bps":null,"total_bytes":null},"quality_preset":null,"queue_wait_ms":100,\#
        "requested_quality":"best","schema_version":1,"started_at":1700000000100,"status":"Processing",\#
        "step":"Downloading","url":"https://example.com/v/clip.mp4","video_codec":"copy","video_quality":23,\#
        "wait_for_video":false}
        """#,
        "liveProgress": #"""
        {"audio_bitrate":"192k","audio_codec":"aac","audio_only":false,"batch_id":"0190a0b0-0000-7000-8000-00000000000b",\#
        "clip_end":"10.5","clip_start":"00:00:05","created_at":1700000000000,"download_subtitles":true,\#
        "download_thumbnail":true,"filename":null,"folder":null,"format":"mkv","id":"0190a0b0-0000-7000-8000-000000000001",\#
        "live_from_start":true,"live_recording":true,"max_duration":60,"max_resolution":"720","node":"node-a","progress":{"max_duration_s":60,\#
        "recorded_s":12.5},"quality_preset":"low","requested_quality":"low","schema_version":1,"started_at":1700000000100,\#
        "status":"Processing","step":"Recording","url":"https://example.com/v/clip.mp4","video_codec":"h264",\#
        "video_quality":20,"wait_for_video":true}
        """#,
        "liveProgressNoCap": #"""
        {"audio_bitrate":"192k","audio_codec":"aac","audio_only":false,"batch_id":"0190a0b0-0000-7000-8000-00000000000b",\#
        "clip_end":"10.5","clip_start":"00:00:05","created_at":1700000000000,"download_subtitles":true,\#
        "download_thumbnail":true,"filename":null,"folder":null,"format":"mkv","id":"0190a0b0-0000-7000-8000-000000000001",\#
        "live_from_start":true,"live_recording":true,"max_duration":60,"max_resolution":"720","node":"node-a","progress":{"max_duration_s":null,\#
        "recorded_s":0},"quality_preset":"low","requested_quality":"low","schema_version":1,"started_at":1700000000100,\#
        "status":"Processing","step":"Recording","url":"https://example.com/v/clip.mp4","video_codec":"h264",\#
        "video_quality":20,"wait_for_video":true}
        """#,
        "waitingRetry": #"""
        {"attempt":1,"audio_bitrate":null,"audio_codec":"copy","audio_only":false,"batch_id":"0190a0b0-0000-7000-8000-00000000000b",\#
        "clip_end":null,"clip_start":null,"created_at":1700000000000,"download_subtitles":false,"download_thumbnail":false,\#
        "filename":null,"folder":null,"format":"mp4","id":"0190a0b0-0000-7000-8000-000000000001","live_from_start":false,\#
        "live_recording":false,"max_duration":null,"max_resolution":"best","next_retry_at":1700000009000,\#
        "node":"node-a","quality_preset":null,"requested_quality":"best","schema_version":1,"started_at":1700000000100,\#
        "status":"Processing","step":"Waiting","url":"https://example.com/v/clip.mp4","video_codec":"copy",\#
        "video_quality":23,"wait_for_video":false}
        """#,
        "completedAllFields": #"""
        {"actual_quality":"720p","attempt":1,"audio_bitrate":"192k","audio_codec":"aac","audio_only":false,\#
        "batch_id":"0190a0b0-0000-7000-8000-00000000000b","clip_end":"10.5","clip_start":"00:00:05",\#
        "created_at":1700000000000,"description":"Line one\nLine two\ttabbed \\ backslash \u0001",\#
        "download_duration_ms":2500,"download_retries":2,"download_speed_mbps":12,"download_subtitles":true,\#
        "download_thumbnail":true,"duration_s":1234.567,"file_size":305685123,"filename":null,"finished_at":1700000003000,\#
        "folder":"shows/2026","format":"mkv","id":"0190a0b0-0000-7000-8000-000000000001","live_from_start":true,\#
        "live_recording":true,"max_duration":60,"max_resolution":"720","mux_duration_ms":300,"native_audio_codec":"opus",\#
        "native_video_codec":"vp9","node":"node-a","note":"recorded from the live edge","output_audio_codec":"aac",\#
        "output_path":"out/shows/2026/Episode 1.mkv","output_video_codec":"h264","quality_preset":"low",\#
        "queue_wait_ms":100,"release_date":"2026-01-31","requested_quality":"low","s3_key":"shows/2026/Episode 1.mkv",\#
        "s3_url":"file:///srv/spool/out/shows/2026/Episode%201.mkv","schema_version":1,"started_at":1700000000100,\#
        "status":"Completed","step":"Finished","stopped_reason":"max_duration reached","subtitle_key":"shows/2026/Episode 1.en.vtt",\#
        "subtitle_keys":["shows/2026/Episode 1.en.vtt","shows/2026/Episode 1.de.vtt"],"subtitle_url":"file:///srv/spool/out/shows/2026/Episode%201.en.vtt",\#
        "thumbnail_key":"shows/2026/Episode 1.jpg","thumbnail_url":"file:///srv/spool/out/shows/2026/Episode%201.jpg",\#
        "title":"Episode \"1\" / the pilot","total_duration_ms":2900,"transcode_reason":"re-encoded for an accurate clip",\#
        "upload_duration_ms":0,"url":"https://example.com/v/clip.mp4","video_codec":"h264","video_quality":20,\#
        "wait_for_video":true}
        """#,
        "completedNoFields": #"""
        {"actual_quality":null,"audio_bitrate":null,"audio_codec":"copy","audio_only":false,"batch_id":"0190a0b0-0000-7000-8000-00000000000b",\#
        "clip_end":null,"clip_start":null,"created_at":1700000000000,"description":null,"download_duration_ms":null,\#
        "download_retries":0,"download_speed_mbps":null,"download_subtitles":false,"download_thumbnail":false,\#
        "duration_s":null,"file_size":null,"filename":null,"finished_at":null,"folder":null,"format":"mp4",\#
        "id":"0190a0b0-0000-7000-8000-000000000001","live_from_start":false,"live_recording":false,\#
        "max_duration":null,"max_resolution":"best","mux_duration_ms":null,"native_audio_codec":null,\#
        "native_video_codec":null,"node":null,"output_audio_codec":null,"output_path":null,"output_video_codec":null,\#
        "quality_preset":null,"release_date":null,"requested_quality":"best","s3_key":null,"s3_url":null,\#
        "schema_version":1,"status":"Completed","step":"Finished","subtitle_key":null,"subtitle_keys":[],\#
        "subtitle_url":null,"thumbnail_key":null,"thumbnail_url":null,"title":null,"total_duration_ms":null,\#
        "upload_duration_ms":null,"url":"https://example.com/v/clip.mp4","video_codec":"copy","video_quality":23,\#
        "wait_for_video":false}
        """#,
        "completedNoResult": #"""
        {"audio_bitrate":null,"audio_codec":"copy","audio_only":false,"batch_id":"0190a0b0-0000-7000-8000-00000000000b",\#
        "clip_end":null,"clip_start":null,"created_at":1700000000000,"download_retries":0,"download_subtitles":false,\#
        "download_thumbnail":false,"filename":null,"finished_at":1700000003000,"folder":null,"format":"mp4",\#
        "id":"0190a0b0-0000-7000-8000-000000000001","live_from_start":false,"live_recording":false,\#
        "max_duration":null,"max_resolution":"best","node":null,"quality_preset":null,"requested_quality":"best",\#
        "schema_version":1,"status":"Completed","step":"Finished","url":"https://example.com/v/clip.mp4",\#
        "video_codec":"copy","video_quality":23,"wait_for_video":false}
        """#,
        "completedFractions": #"""
        {"actual_quality":null,"audio_bitrate":null,"audio_codec":"copy","audio_only":false,"batch_id":"0190a0b0-0000-7000-8000-00000000000b",\#
        "clip_end":null,"clip_start":null,"created_at":1700000000000,"description":null,"download_duration_ms":null,\#
        "download_retries":0,"download_speed_mbps":1e-07,"download_subtitles":false,"download_thumbnail":false,\#
        "duration_s":0.1,"file_size":null,"filename":null,"finished_at":null,"folder":null,"format":"mp4",\#
        "id":"0190a0b0-0000-7000-8000-000000000001","live_from_start":false,"live_recording":false,\#
        "max_duration":null,"max_resolution":"best","mux_duration_ms":null,"native_audio_codec":null,\#
        "native_video_codec":null,"node":null,"output_audio_codec":null,"output_path":null,"output_video_codec":null,\#
        "quality_preset":null,"release_date":null,"requested_quality":"best","s3_key":null,"s3_url":null,\#
        "schema_version":1,"status":"Completed","step":"Finished","subtitle_key":null,"subtitle_keys":[],\#
        "subtitle_url":null,"thumbnail_key":null,"thumbnail_url":null,"title":null,"total_duration_ms":null,\#
        "upload_duration_ms":null,"url":"https://example.com/v/clip.mp4","video_codec":"copy","video_quality":23,\#
        "wait_for_video":false}
        """#,
        "failed": #"""
        {"audio_bitrate":null,"audio_codec":"copy","audio_only":false,"batch_id":"0190a0b0-0000-7000-8000-00000000000b",\#
        "clip_end":null,"clip_start":null,"created_at":1700000000000,"download_retries":3,"download_subtitles":false,\#
        "download_thumbnail":false,"error":"ERROR: HTTP Error 500","error_type":"error","filename":null,\#
        "finished_at":1700000000500,"folder":null,"format":"mp4","id":"0190a0b0-0000-7000-8000-000000000001",\#
        "live_from_start":false,"live_recording":false,"max_duration":null,"max_resolution":"best",\#
        "node":"node-a","quality_preset":null,"requested_quality":"best","schema_version":1,"status":"Failed","step":"Downloading",\#
        "url":"https://example.com/v/clip.mp4","video_codec":"copy","video_quality":23,"wait_for_video":false}
        """#,
        "failedNoErrorType": #"""
        {"audio_bitrate":null,"audio_codec":"copy","audio_only":false,"batch_id":"0190a0b0-0000-7000-8000-00000000000b",\#
        "clip_end":null,"clip_start":null,"created_at":1700000000000,"download_retries":0,"download_subtitles":false,\#
        "download_thumbnail":false,"error":null,"error_type":"error","filename":null,"finished_at":null,\#
        "folder":null,"format":"mp4","id":"0190a0b0-0000-7000-8000-000000000001","live_from_start":false,\#
        "live_recording":false,"max_duration":null,"max_resolution":"best","node":null,"quality_preset":null,"requested_quality":"best",\#
        "schema_version":1,"status":"Failed","step":"Cancelled","url":"https://example.com/v/clip.mp4",\#
        "video_codec":"copy","video_quality":23,"wait_for_video":false}
        """#,
        "failedWarningType": #"""
        {"audio_bitrate":null,"audio_codec":"copy","audio_only":false,"batch_id":"0190a0b0-0000-7000-8000-00000000000b",\#
        "clip_end":null,"clip_start":null,"created_at":1700000000000,"download_retries":0,"download_subtitles":false,\#
        "download_thumbnail":false,"error":null,"error_type":"warning","filename":null,"finished_at":null,\#
        "folder":null,"format":"mp4","id":"0190a0b0-0000-7000-8000-000000000001","live_from_start":false,\#
        "live_recording":false,"max_duration":null,"max_resolution":"best","node":null,"quality_preset":null,"requested_quality":"best",\#
        "schema_version":1,"status":"Failed","step":"Cancelled","url":"https://example.com/v/clip.mp4",\#
        "video_codec":"copy","video_quality":23,"wait_for_video":false}
        """#,
        "warningNoErrorType": #"""
        {"audio_bitrate":null,"audio_codec":"copy","audio_only":false,"batch_id":"0190a0b0-0000-7000-8000-00000000000b",\#
        "clip_end":null,"clip_start":null,"created_at":1700000000000,"download_retries":0,"download_subtitles":false,\#
        "download_thumbnail":false,"error":"The video is private.","error_type":"warning","filename":null,\#
        "finished_at":2000,"folder":null,"format":"mp4","id":"0190a0b0-0000-7000-8000-000000000001",\#
        "live_from_start":false,"live_recording":false,"max_duration":null,"max_resolution":"best",\#
        "node":"node-a","quality_preset":null,"requested_quality":"best","schema_version":1,"status":"Warning","step":"Finished",\#
        "url":"https://example.com/v/clip.mp4","video_codec":"copy","video_quality":23,"wait_for_video":false}
        """#,
        "warning": #"""
        {"audio_bitrate":null,"audio_codec":"copy","audio_only":false,"batch_id":"0190a0b0-0000-7000-8000-00000000000b",\#
        "clip_end":null,"clip_start":null,"created_at":1700000000000,"download_retries":0,"download_subtitles":false,\#
        "download_thumbnail":false,"error":"The video is private.","error_type":"warning","filename":null,\#
        "finished_at":2000,"folder":null,"format":"mp4","id":"0190a0b0-0000-7000-8000-000000000001",\#
        "live_from_start":false,"live_recording":false,"max_duration":null,"max_resolution":"best",\#
        "node":"node-a","quality_preset":null,"requested_quality":"best","schema_version":1,"status":"Warning","step":"Finished",\#
        "url":"https://example.com/v/clip.mp4","video_codec":"copy","video_quality":23,"wait_for_video":false}
        """#,
        "skippedNoErrorType": #"""
        {"audio_bitrate":null,"audio_codec":"copy","audio_only":false,"batch_id":"0190a0b0-0000-7000-8000-00000000000b",\#
        "clip_end":null,"clip_start":null,"created_at":1700000000000,"download_retries":0,"download_subtitles":false,\#
        "download_thumbnail":false,"error":"no video","error_type":"warning","filename":null,"finished_at":null,\#
        "folder":null,"format":"mp4","id":"0190a0b0-0000-7000-8000-000000000001","live_from_start":false,\#
        "live_recording":false,"max_duration":null,"max_resolution":"best","node":null,"quality_preset":null,"requested_quality":"best",\#
        "schema_version":1,"status":"Skipped","step":"Finished","url":"https://example.com/v/clip.mp4",\#
        "video_codec":"copy","video_quality":23,"wait_for_video":false}
        """#,
        "skippedErrorType": #"""
        {"audio_bitrate":null,"audio_codec":"copy","audio_only":false,"batch_id":"0190a0b0-0000-7000-8000-00000000000b",\#
        "clip_end":null,"clip_start":null,"created_at":1700000000000,"download_retries":0,"download_subtitles":false,\#
        "download_thumbnail":false,"error":"no video","error_type":"error","filename":null,"finished_at":null,\#
        "folder":null,"format":"mp4","id":"0190a0b0-0000-7000-8000-000000000001","live_from_start":false,\#
        "live_recording":false,"max_duration":null,"max_resolution":"best","node":null,"quality_preset":null,"requested_quality":"best",\#
        "schema_version":1,"status":"Skipped","step":"Finished","url":"https://example.com/v/clip.mp4",\#
        "video_codec":"copy","video_quality":23,"wait_for_video":false}
        """#,
    ]

    static let batches: [String: String] = [
        "empty": #"""
        {"batch_id":"0190a0b0-0000-7000-8000-00000000000b","counts":{"Completed":0,"Failed":0,"Pending":0,\#
        "Processing":0,"Skipped":0,"Warning":0},"created_at":1700000000000,"folder":null,"job_ids":[],\#
        "progress":0,"schema_version":1,"source":"night run.json","status":"processing","total_jobs":0}
        """#,
        "processing": #"""
        {"batch_id":"0190a0b0-0000-7000-8000-00000000000b","counts":{"Completed":1,"Failed":0,"Pending":1,\#
        "Processing":1,"Skipped":0,"Warning":0},"created_at":1700000000000,"folder":"shows/2026","job_ids":["0190a0b0-0000-7000-8000-000000000010",\#
        "0190a0b0-0000-7000-8000-000000000011","0190a0b0-0000-7000-8000-000000000012"],"progress":33,\#
        "schema_version":1,"source":"night run.json","status":"processing","total_jobs":3}
        """#,
        "completed": #"""
        {"batch_id":"0190a0b0-0000-7000-8000-00000000000b","counts":{"Completed":2,"Failed":0,"Pending":0,\#
        "Processing":0,"Skipped":0,"Warning":0},"created_at":1700000000000,"finished_at":1700000005000,\#
        "folder":null,"job_ids":["0190a0b0-0000-7000-8000-000000000010","0190a0b0-0000-7000-8000-000000000011"],\#
        "progress":100,"schema_version":1,"source":"night run.json","status":"completed","total_jobs":2}
        """#,
        "finishedFromJobs": #"""
        {"batch_id":"0190a0b0-0000-7000-8000-00000000000b","counts":{"Completed":1,"Failed":1,"Pending":0,\#
        "Processing":0,"Skipped":1,"Warning":1},"created_at":1700000000000,"finished_at":1700000001003,\#
        "folder":null,"job_ids":["0190a0b0-0000-7000-8000-000000000010","0190a0b0-0000-7000-8000-000000000011",\#
        "0190a0b0-0000-7000-8000-000000000012","0190a0b0-0000-7000-8000-000000000013"],"progress":100,\#
        "schema_version":1,"source":"night run.json","status":"finished","total_jobs":4}
        """#,
        "finishedUnknown": #"""
        {"batch_id":"0190a0b0-0000-7000-8000-00000000000b","counts":{"Completed":0,"Failed":1,"Pending":0,\#
        "Processing":0,"Skipped":0,"Warning":0},"created_at":1700000000000,"finished_at":null,"folder":null,\#
        "job_ids":["0190a0b0-0000-7000-8000-000000000010"],"progress":100,"schema_version":1,"source":"night run.json",\#
        "status":"finished","total_jobs":1}
        """#,
        "thirds": #"""
        {"batch_id":"0190a0b0-0000-7000-8000-00000000000b","counts":{"Completed":1,"Failed":0,"Pending":2,\#
        "Processing":0,"Skipped":0,"Warning":0},"created_at":1700000000000,"folder":null,"job_ids":["0190a0b0-0000-7000-8000-000000000010",\#
        "0190a0b0-0000-7000-8000-000000000011","0190a0b0-0000-7000-8000-000000000012"],"progress":33,\#
        "schema_version":1,"source":"night run.json","status":"processing","total_jobs":3}
        """#,
    ]

    static let receipts: [String: String] = [
        "accepted": #"""
        {"batch_id":"0190a0b0-0000-7000-8000-00000000000b","job_ids":["0190a0b0-0000-7000-8000-000000000010",\#
        "0190a0b0-0000-7000-8000-000000000011"],"source":"night run.json","total_jobs":2}
        """#,
        "cached": #"""
        {"batch_id":"0190a0b0-0000-7000-8000-00000000000b","cached":true,"job_ids":["0190a0b0-0000-7000-8000-000000000010",\#
        "0190a0b0-0000-7000-8000-000000000011"],"source":"night run.json","total_jobs":2}
        """#,
        "rejected": #"""
        {"error":"2 problems in batch file","errors":[{"field":"jobs[3].url","message":"only http and https URLs are accepted: \"ftp://x/y\""},\#
        {"field":"clip_end","message":"must be greater than clip_start\n(5 ≥ 3)"}],"source":"bad/one.json"}
        """#,
        "rejectedEmpty": #"""
        {"error":"0 problems in batch file","errors":[],"source":"x.json"}
        """#,
        "control": #"""
        {"error":"no job or batch has the ID abc; second","source":"cancel/abc"}
        """#,
    ]
}
