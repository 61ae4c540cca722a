extension YtDlpForkServer {
    /// The helper's Python text, run as `python -c SCRIPT PROGRAM` (in the binary, so an install is
    /// still the README's two commands). The trailing comment keeps the argv area long enough for a
    /// child to show its own yt-dlp command line in ps and /proc (see `set_cmdline`).
    static let script = source + "\n#" + String(repeating: "-", count: 12_000) + "\n"

    private static let source = #"""
        # spool's yt-dlp fork server (see docs/ytdlp-fork-server.md). Started by spool with the yt-dlp
        # program's own interpreter as `python -c THIS PROGRAM`; fd 0 is a SOCK_SEQPACKET control socket.
        # Each control message carries 3 descriptors (job socket, stdout, stderr) and a JSON request
        # {"argv": [...], "cwd": "...", "env": {...}}. A child is forked per request; it leads its own
        # session and runs yt_dlp.main(argv). On the job socket: the child writes "pid N", waits for spool's
        # "go", and writes "exit N" when yt-dlp returns; the helper writes "exit N" or "signal N" when the
        # child has ended (it reaps the child only after spool closes the job socket, so the pid is never
        # reused while spool may still signal the group). EOF on fd 0: no new jobs; exit when the last child has.
        import gc, json, os, select, signal, socket, sys

        PROGRAM = sys.argv[1] if len(sys.argv) > 1 else "yt-dlp"


        def preload():
            import yt_dlp
            from yt_dlp.extractor import gen_extractor_classes
            # What every run compiles again: each extractor's URL pattern (yt-dlp caches it on the class).
            url = "http://127.0.0.1/preload.mp4"
            for ie in gen_extractor_classes():
                try:
                    ie.suitable(url)
                except Exception:
                    pass
            try:
                yt_dlp.parse_options(["--simulate", "--", url])
            except BaseException:
                pass
            import yt_dlp.extractor.generic  # noqa: F401  (what a direct media URL ends in)
            return yt_dlp


        def set_cmdline(args):
            # Best effort: show the child as the command it runs (ps, /proc/PID/cmdline), like an exec'd
            # yt-dlp, by rewriting this process's argv area in place (it is as long as this script).
            try:
                import ctypes
                stat = open("/proc/self/stat", "rb").read()
                fields = stat[stat.rindex(b")") + 2:].split()
                start, end = int(fields[45]), int(fields[46])
                size = end - start
                data = b"\0".join(os.fsencode(a) for a in args)[: size - 1]
                ctypes.memmove(start, data + b"\0" * (size - len(data)), size)
                ctypes.CDLL(None).prctl(15, b"yt-dlp", 0, 0, 0)
            except Exception:
                pass


        def child(yt_dlp, js, out, err, request, inherited):
            code = 1
            try:
                os.setsid()
                for fd in inherited:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
                null = os.open(os.devnull, os.O_RDONLY)
                os.dup2(null, 0)
                os.dup2(out, 1)
                os.dup2(err, 2)
                for fd in {null, out, err} - {0, 1, 2}:
                    os.close(fd)
                for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGCHLD, signal.SIGUSR1, signal.SIGUSR2):
                    signal.signal(sig, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.default_int_handler)
                os.chdir(request["cwd"])
                os.environ.clear()
                os.environ.update(request["env"])
                argv = request["argv"]
                set_cmdline([sys.executable, PROGRAM] + argv)
                os.write(js, b"pid %d\n" % os.getpid())
                got = b""
                while not got.endswith(b"\n"):
                    chunk = os.read(js, 16)
                    if not chunk:
                        os._exit(1)
                    got += chunk
                if got != b"go\n":
                    os._exit(1)
                sys.argv = [PROGRAM] + argv
                try:
                    yt_dlp.main(argv)
                    code = 0
                except SystemExit as e:
                    if e.code is None:
                        code = 0
                    elif isinstance(e.code, int):
                        code = e.code
                    else:
                        print(e.code, file=sys.stderr)
                        code = 1
            except BaseException as e:
                try:
                    print("ERROR: spool fork server: %s" % e, file=sys.stderr)
                except BaseException:
                    pass
                code = 1
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except BaseException:
                    pass
            try:
                os.write(js, b"exit %d\n" % (code & 0xFF))
            except OSError:
                pass
            os._exit(code & 0xFF)


        def main():
            control = socket.socket(fileno=0)
            yt_dlp = preload()
            version_file = sys.modules["yt_dlp.version"].__file__
            print("ready " + json.dumps({"version": yt_dlp.version.__version__, "version_file": version_file}), flush=True)
            gc.freeze()
            poller = select.poll()
            poller.register(control, select.POLLIN)
            running = {}  # pidfd -> [pid, job socket fd]
            ended = {}  # job socket fd -> pid (exited, reported, reaped once spool closes the job socket)
            open_control = True
            while open_control or running or ended:
                for fd, _ in poller.poll():
                    if fd == control.fileno():
                        try:
                            message, fds, _, _ = socket.recv_fds(control, 1 << 20, 3)
                        except OSError:
                            message, fds = b"", []
                        if not message:
                            poller.unregister(control)
                            open_control = False
                            for extra in fds:
                                os.close(extra)
                            continue
                        if len(fds) != 3:
                            for extra in fds:
                                os.close(extra)
                            continue
                        js, out, err = fds
                        inherited = [control.fileno()] + list(running) + [v[1] for v in running.values()] + list(ended)
                        sys.stdout.flush()
                        sys.stderr.flush()
                        pid = os.fork()
                        if pid == 0:
                            child(yt_dlp, js, out, err, json.loads(message), inherited)
                        os.close(out)
                        os.close(err)
                        pidfd = os.pidfd_open(pid)
                        running[pidfd] = [pid, js]
                        poller.register(pidfd, select.POLLIN)
                    elif fd in running:
                        pid, js = running.pop(fd)
                        poller.unregister(fd)
                        os.close(fd)
                        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
                        if info is not None and info.si_code == os.CLD_EXITED:
                            line = b"exit %d\n" % info.si_status
                        else:
                            line = b"signal %d\n" % (info.si_status if info is not None else signal.SIGKILL)
                        try:
                            os.write(js, line)
                        except OSError:
                            pass
                        ended[js] = pid
                        poller.register(js, select.POLLIN)
                    elif fd in ended:
                        try:
                            if os.read(fd, 64):
                                continue
                        except OSError:
                            pass
                        pid = ended.pop(fd)
                        poller.unregister(fd)
                        os.close(fd)
                        os.waitpid(pid, 0)


        main()
        """#
}
