// The Linux file-system constants and calls that Swift's Glibc module does not import: macros built
// from other macros (O_TMPFILE) and functions declared only under _GNU_SOURCE (syncfs) or in headers
// outside the module map (<sys/vfs.h>). The same approach as swift-nio's CNIOLinux.
#ifndef C_SPOOL_FILES_H
#define C_SPOOL_FILES_H

#include <stdint.h>

/// `O_TMPFILE` (`__O_TMPFILE | O_DIRECTORY`): an unnamed file in the directory passed to open(2).
extern const int CSpoolFiles_O_TMPFILE;

/// syncfs(2): flushes the whole file system that holds `fd`. 0, or -1 with errno set.
int CSpoolFiles_syncfs(int fd);

/// statfs(2)'s `f_type` of the file system holding `path` into `type`. 0, or -1 with errno set.
int CSpoolFiles_statfs_type(const char *path, uint64_t *type);

#endif

// The yt-dlp fork server's descriptor passing and pidfd (their own header).
#include "CSpoolFilesFDPassing.h"
