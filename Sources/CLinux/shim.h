// Aerie — Linux headers the Glibc module does not export
// SPDX-License-Identifier: MIT
#ifndef AERIE_CLINUX_SHIM_H
#define AERIE_CLINUX_SHIM_H
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/sendfile.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <signal.h>
#include <malloc.h>

/// errno is a macro over a thread-local; a function is simpler to call from Swift.
static inline int aerie_errno(void) { return errno; }

/// Fixes glibc's mmap threshold (M_MMAP_THRESHOLD is a macro); returns 1 on success.
static inline int aerie_set_mmap_threshold(int bytes) { return mallopt(M_MMAP_THRESHOLD, bytes); }
#endif
