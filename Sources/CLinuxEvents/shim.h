#ifndef INFERGATE_CLINUXEVENTS_SHIM_H
#define INFERGATE_CLINUXEVENTS_SHIM_H

#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

// Swift's Glibc module does not export epoll or eventfd. These typed wrappers hide the packed
// `struct epoll_event` layout (12 bytes on x86_64) from Swift; they hold no logic.

static inline int infergate_epoll_ctl(int epoll_fd, int operation, int fd, uint32_t events) {
    struct epoll_event event = {.events = events, .data = {.u64 = (uint64_t)fd}};
    return epoll_ctl(epoll_fd, operation, fd, &event);
}

static inline size_t infergate_epoll_event_size(void) {
    return sizeof(struct epoll_event);
}

static inline int infergate_epoll_wait(int epoll_fd, void *events, int capacity, int timeout_ms) {
    return epoll_wait(epoll_fd, (struct epoll_event *)events, capacity, timeout_ms);
}

static inline uint32_t infergate_epoll_event_flags(const void *events, int index) {
    return ((const struct epoll_event *)events)[index].events;
}

static inline int infergate_epoll_event_fd(const void *events, int index) {
    return (int)((const struct epoll_event *)events)[index].data.u64;
}

#endif
