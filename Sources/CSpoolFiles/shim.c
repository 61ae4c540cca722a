// Built with _GNU_SOURCE (Package.swift), which O_TMPFILE and syncfs need.
#ifndef _GNU_SOURCE
#error You must define _GNU_SOURCE
#endif

#include <CSpoolFiles.h>
#include <fcntl.h>
#include <sys/vfs.h>
#include <unistd.h>

const int CSpoolFiles_O_TMPFILE = O_TMPFILE;

int CSpoolFiles_syncfs(int fd) {
    return syncfs(fd);
}

int CSpoolFiles_statfs_type(const char *path, uint64_t *type) {
    struct statfs info;
    if (statfs(path, &info) != 0) {
        return -1;
    }
    *type = (uint64_t)info.f_type;
    return 0;
}
