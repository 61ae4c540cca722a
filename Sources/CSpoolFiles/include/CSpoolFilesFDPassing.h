// Passing file descriptors over a Unix socket (SCM_RIGHTS) and opening a pidfd: the yt-dlp fork
// server (SpoolPipeline/YtDlpForkServer*.swift) needs both. Swift cannot import the CMSG_* macros
// that build a control message, nor the variadic syscall(2) that pidfd_open has no libc wrapper for
// on older glibc, nor pipe2(2) (a _GNU_SOURCE declaration), so these few lines are C.
#ifndef C_SPOOL_FILES_FD_PASSING_H
#define C_SPOOL_FILES_FD_PASSING_H

#include <stddef.h>
#include <sys/types.h>

/// sendmsg(2) of `length` bytes from `bytes` with `count` descriptors (at most 8) as one SCM_RIGHTS
/// message, never blocking (MSG_DONTWAIT) and never raising SIGPIPE (MSG_NOSIGNAL). The bytes sent,
/// or -1 with errno set.
ssize_t CSpoolFiles_send_fds(int socket, const void *bytes, size_t length, const int *fds, int count);

/// pidfd_open(2): a descriptor that becomes readable when process `pid` has exited (whether or not it
/// is a child of this process), opened close-on-exec. The descriptor, or -1 with errno set.
int CSpoolFiles_pidfd_open(pid_t pid);

/// pipe2(2) with O_CLOEXEC (declared only under _GNU_SOURCE): `fds[0]` reads, `fds[1]` writes. 0, or -1.
int CSpoolFiles_pipe_cloexec(int fds[2]);

#endif
