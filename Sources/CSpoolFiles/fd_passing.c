// See CSpoolFilesFDPassing.h: why this is C.
#include <CSpoolFilesFDPassing.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

ssize_t CSpoolFiles_send_fds(int socket, const void *bytes, size_t length, const int *fds, int count) {
    if (count < 0 || count > 8) {
        errno = EINVAL;
        return -1;
    }
    union {
        char buffer[CMSG_SPACE(8 * sizeof(int))];
        struct cmsghdr align;
    } control;
    memset(&control, 0, sizeof(control));
    struct iovec vector = {.iov_base = (void *)bytes, .iov_len = length};
    struct msghdr message = {0};
    message.msg_iov = &vector;
    message.msg_iovlen = 1;
    if (count > 0) {
        message.msg_control = control.buffer;
        message.msg_controllen = CMSG_SPACE(count * sizeof(int));
        struct cmsghdr *header = CMSG_FIRSTHDR(&message);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        header->cmsg_len = CMSG_LEN(count * sizeof(int));
        memcpy(CMSG_DATA(header), fds, count * sizeof(int));
    }
    ssize_t sent;
    do {
        sent = sendmsg(socket, &message, MSG_DONTWAIT | MSG_NOSIGNAL);
    } while (sent < 0 && errno == EINTR);
    return sent;
}

int CSpoolFiles_pidfd_open(pid_t pid) {
    // pidfd_open always sets close-on-exec.
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

int CSpoolFiles_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}
