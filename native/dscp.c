// UDP with a DSCP mark on every packet, and the mark (plus ECN and TTL / hop limit) of every packet
// received: what QoS marking tests need and Node's dgram cannot do. Plain Node-API (ABI-stable
// across Node versions), Linux socket options, libuv for the event loop.
//
// Marks go out per packet as an IP_TOS / IPV6_TCLASS control message on sendmsg(): setting IP_TOS
// on the socket and then sending would mark whatever else is queued on it too. Kernels that refuse
// the IPv4 control message (before 3.18) get setsockopt() right before the send instead; sends here
// are synchronous, so the mark cannot leak onto another packet.
//
// Received packets are read with recvmsg() when libuv says the socket is readable, until EAGAIN
// (libuv polls level-triggered, so a batch cap only defers the rest to the next loop turn), and
// handed to JavaScript as one array per wake-up.

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

#define RECV_BUFFER_BYTES 65536
#define MAX_BATCH 512

enum state { SOCKET_CREATED, SOCKET_POLLING, SOCKET_CLOSING, SOCKET_CLOSED };

typedef struct {
  napi_env env;
  int fd;
  int family;
  enum state state;
  uv_poll_t poll;
  napi_ref self;
  napi_ref callback;
  napi_async_context async;
  napi_async_cleanup_hook_handle cleanup;
  /* The environment is going away: no more calls into JavaScript. */
  int tearing_down;
  /* The JS object was collected while the poll handle was still closing: free on close. */
  int finalized;
  /* The kernel refused the IP_TOS control message once: mark with setsockopt() from then on. */
  int tos_by_sockopt;
  int sockopt_tos;
  unsigned char buffer[RECV_BUFFER_BYTES];
} dscp_socket;

// ---- errors and arguments ------------------------------------------------------------------

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char code[32];
  const char *name = NULL;
  switch (err) {
    case EADDRINUSE: name = "EADDRINUSE"; break;
    case EADDRNOTAVAIL: name = "EADDRNOTAVAIL"; break;
    case EACCES: name = "EACCES"; break;
    case EAFNOSUPPORT: name = "EAFNOSUPPORT"; break;
    case EINVAL: name = "EINVAL"; break;
    case EBADF: name = "EBADF"; break;
    case ENOTSOCK: name = "ENOTSOCK"; break;
    default: break;
  }
  if (!name) {
    snprintf(code, sizeof code, "E%d", err);
    name = code;
  }
  char message[256];
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  napi_throw_error(env, name, message);
  return NULL;
}

#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      const napi_extended_error_info *info = NULL;                    \
      napi_get_last_error_info(env, &info);                           \
      bool pending = false;                                           \
      napi_is_exception_pending(env, &pending);                       \
      if (!pending)                                                   \
        napi_throw_error(env, NULL, info && info->error_message ? info->error_message : "Node-API call failed"); \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

static int get_int(napi_env env, napi_value v, int32_t *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number) return 0;
  return napi_get_value_int32(env, v, out) == napi_ok;
}

static int get_string(napi_env env, napi_value v, char *out, size_t size) {
  napi_valuetype t;
  size_t len = 0;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_string) return 0;
  return napi_get_value_string_utf8(env, v, out, size, &len) == napi_ok && len < size - 1;
}

/** A textual address for this socket's family; IPv4 text on an IPv6 socket becomes ::ffff:a.b.c.d. */
static int parse_address(int family, const char *text, int port, struct sockaddr_storage *ss, socklen_t *len) {
  memset(ss, 0, sizeof *ss);
  if (family == AF_INET) {
    struct sockaddr_in *a = (struct sockaddr_in *)ss;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, text, &a->sin_addr) != 1) return 0;
    *len = sizeof *a;
    return 1;
  }
  struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
  a->sin6_family = AF_INET6;
  a->sin6_port = htons((uint16_t)port);
  *len = sizeof *a;
  if (inet_pton(AF_INET6, text, &a->sin6_addr) == 1) return 1;
  struct in_addr v4;
  if (inet_pton(AF_INET, text, &v4) != 1) return 0;
  a->sin6_addr.s6_addr[10] = 0xff;
  a->sin6_addr.s6_addr[11] = 0xff;
  memcpy(&a->sin6_addr.s6_addr[12], &v4, 4);
  return 1;
}

static int is_v4_mapped(const struct sockaddr_storage *ss) {
  return ss->ss_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

static napi_value address_object(napi_env env, const struct sockaddr_storage *ss) {
  char text[INET6_ADDRSTRLEN] = "";
  int port = 0;
  const char *family = "IPv4";
  if (ss->ss_family == AF_INET) {
    const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
    inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
    port = ntohs(a->sin_port);
  } else if (ss->ss_family == AF_INET6) {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
    inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
    port = ntohs(a->sin6_port);
    family = "IPv6";
  }
  napi_value obj, v;
  if (napi_create_object(env, &obj) != napi_ok) return NULL;
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "address", v);
  napi_create_int32(env, port, &v);
  napi_set_named_property(env, obj, "port", v);
  napi_create_string_utf8(env, family, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "family", v);
  return obj;
}

static void set_flag(int fd, int level, int name) {
  int one = 1;
  (void)setsockopt(fd, level, name, &one, sizeof one);
}

// ---- closing -------------------------------------------------------------------------------

static void on_poll_closed(uv_handle_t *handle) {
  dscp_socket *s = (dscp_socket *)handle->data;
  if (s->fd >= 0) close(s->fd);
  s->fd = -1;
  s->state = SOCKET_CLOSED;
  if (s->cleanup) {
    napi_remove_async_cleanup_hook(s->cleanup);
    s->cleanup = NULL;
  }
  if (s->finalized) {
    free(s);
    return;
  }
  // The JS object was held alive while it could still deliver datagrams; now it may be collected.
  if (!s->tearing_down) napi_reference_unref(s->env, s->self, NULL);
}

static void start_close(dscp_socket *s) {
  if (s->state == SOCKET_POLLING) {
    s->state = SOCKET_CLOSING;
    uv_poll_stop(&s->poll);
    uv_close((uv_handle_t *)&s->poll, on_poll_closed);
  } else if (s->state == SOCKET_CREATED) {
    if (s->fd >= 0) close(s->fd);
    s->fd = -1;
    s->state = SOCKET_CLOSED;
  }
}

/** Worker threads and process exit: close the handle so the loop can finish. */
static void on_env_cleanup(napi_async_cleanup_hook_handle handle, void *arg) {
  dscp_socket *s = (dscp_socket *)arg;
  s->tearing_down = 1;
  s->cleanup = handle;
  if (s->state == SOCKET_POLLING) start_close(s);  // on_poll_closed removes the hook
  else if (s->state != SOCKET_CLOSING) {
    s->cleanup = NULL;
    napi_remove_async_cleanup_hook(handle);
  }
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  dscp_socket *s = (dscp_socket *)data;
  if (s->self) napi_delete_reference(env, s->self);
  s->self = NULL;
  if (s->callback) napi_delete_reference(env, s->callback);
  if (s->async) napi_async_destroy(env, s->async);
  s->callback = NULL;
  s->async = NULL;
  if (s->state == SOCKET_CLOSING || s->state == SOCKET_POLLING) {
    s->finalized = 1;
    s->tearing_down = 1;
    start_close(s);
    return;
  }
  if (s->fd >= 0) close(s->fd);
  free(s);
}

// ---- receiving -----------------------------------------------------------------------------

static void read_control(struct msghdr *m, int *tos, int *ttl) {
  for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS && c->cmsg_len >= CMSG_LEN(1)) {
      *tos = *(unsigned char *)CMSG_DATA(c);
    } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
      int v;
      memcpy(&v, CMSG_DATA(c), sizeof v);
      *ttl = v;
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_TCLASS && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
      int v;
      memcpy(&v, CMSG_DATA(c), sizeof v);
      *tos = v & 0xff;
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
      int v;
      memcpy(&v, CMSG_DATA(c), sizeof v);
      *ttl = v;
    }
  }
}

static napi_value datagram_object(napi_env env, const unsigned char *data, size_t len, const struct sockaddr_storage *from, int tos, int ttl, int truncated) {
  napi_value obj = address_object(env, from);
  if (!obj) return NULL;
  napi_value v;
  void *copy = NULL;
  if (napi_create_buffer_copy(env, len, data, &copy, &v) != napi_ok) return NULL;
  napi_set_named_property(env, obj, "data", v);
  napi_create_int32(env, tos, &v);
  napi_set_named_property(env, obj, "tos", v);
  napi_create_int32(env, ttl, &v);
  napi_set_named_property(env, obj, "ttl", v);
  napi_get_boolean(env, truncated != 0, &v);
  napi_set_named_property(env, obj, "truncated", v);
  return obj;
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  dscp_socket *s = (dscp_socket *)handle->data;
  if (s->state != SOCKET_POLLING || s->tearing_down) return;
  napi_env env = s->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value batch;
  napi_create_array(env, &batch);
  uint32_t n = 0;
  // A socket error (status < 0) is cleared by reading; the loop below does that.
  (void)status;
  while (n < MAX_BATCH) {
    struct sockaddr_storage from;
    struct iovec iov = { s->buffer, sizeof s->buffer };
    union {
      char bytes[CMSG_SPACE(sizeof(int)) * 4];
      struct cmsghdr align;
    } control;
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_name = &from;
    m.msg_namelen = sizeof from;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = control.bytes;
    m.msg_controllen = sizeof control.bytes;
    ssize_t r = recvmsg(s->fd, &m, MSG_DONTWAIT);
    if (r < 0) {
      if (errno == EINTR) continue;
      break;  // EAGAIN: drained; anything else (an ICMP error reported late) ends this batch
    }
    int tos = -1, ttl = -1;
    read_control(&m, &tos, &ttl);
    napi_value d = datagram_object(env, s->buffer, (size_t)r, &from, tos, ttl, (m.msg_flags & MSG_TRUNC) != 0);
    if (!d) break;
    napi_set_element(env, batch, n++, d);
  }
  if (n > 0) {
    napi_value self, cb, result;
    if (napi_get_reference_value(env, s->self, &self) == napi_ok && napi_get_reference_value(env, s->callback, &cb) == napi_ok && cb) {
      if (napi_make_callback(env, s->async, self, cb, 1, &batch, &result) != napi_ok) {
        bool pending = false;
        napi_is_exception_pending(env, &pending);
        if (pending) {
          napi_value err;
          napi_get_and_clear_last_exception(env, &err);
          napi_fatal_exception(env, err);
        }
      }
    }
  }
  napi_close_handle_scope(env, scope);
}

// ---- the UdpSocket class -------------------------------------------------------------------

static dscp_socket *unwrap(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  napi_value self;
  void *data = NULL;
  if (napi_get_cb_info(env, info, argc, argv, &self, NULL) != napi_ok) return NULL;
  if (napi_unwrap(env, self, &data) != napi_ok || !data) {
    napi_throw_error(env, NULL, "not a UdpSocket");
    return NULL;
  }
  return (dscp_socket *)data;
}

/** new UdpSocket(family: 4 | 6, onDatagrams: (batch) => void) */
static napi_value socket_new(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], self;
  CHECK(napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  int32_t version = 0;
  napi_valuetype cbtype = napi_undefined;
  if (argc < 2 || !get_int(env, argv[0], &version) || (version != 4 && version != 6) || napi_typeof(env, argv[1], &cbtype) != napi_ok || cbtype != napi_function) {
    napi_throw_type_error(env, NULL, "new UdpSocket(family: 4 | 6, onDatagrams: function)");
    return NULL;
  }
  int family = version == 4 ? AF_INET : AF_INET6;
  int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  if (family == AF_INET) {
    set_flag(fd, IPPROTO_IP, IP_RECVTOS);
    set_flag(fd, IPPROTO_IP, IP_RECVTTL);
  } else {
    // Dual stack, as Node's udp6 sockets are: IPv4 peers appear as ::ffff:a.b.c.d, and their
    // packets carry the IPv4 control messages, so ask for those too.
    int zero = 0;
    (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    set_flag(fd, IPPROTO_IPV6, IPV6_RECVTCLASS);
    set_flag(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT);
    set_flag(fd, IPPROTO_IP, IP_RECVTOS);
    set_flag(fd, IPPROTO_IP, IP_RECVTTL);
  }
  dscp_socket *s = calloc(1, sizeof *s);
  if (!s) {
    close(fd);
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  s->env = env;
  s->fd = fd;
  s->family = family;
  s->state = SOCKET_CREATED;
  s->sockopt_tos = -1;
  napi_value name;
  if (napi_create_reference(env, argv[1], 1, &s->callback) != napi_ok ||
      napi_create_string_utf8(env, "siteready:dscp", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_async_init(env, self, name, &s->async) != napi_ok ||
      napi_wrap(env, self, s, finalize, NULL, &s->self) != napi_ok) {
    if (s->callback) napi_delete_reference(env, s->callback);
    if (s->async) napi_async_destroy(env, s->async);
    close(fd);
    free(s);
    napi_throw_error(env, NULL, "cannot set up the socket object");
    return NULL;
  }
  return self;
}

/** bind(address: string, port: number): number — the bound port; starts delivering datagrams. */
static napi_value socket_bind(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  dscp_socket *s = unwrap(env, info, &argc, argv);
  if (!s) return NULL;
  char text[INET6_ADDRSTRLEN + 1];
  int32_t port = 0;
  if (argc < 2 || !get_string(env, argv[0], text, sizeof text) || !get_int(env, argv[1], &port) || port < 0 || port > 65535) {
    napi_throw_type_error(env, NULL, "bind(address: string, port: number)");
    return NULL;
  }
  if (s->state != SOCKET_CREATED) {
    napi_throw_error(env, "ERR_SOCKET_STATE", "the socket is already bound or closed");
    return NULL;
  }
  struct sockaddr_storage ss;
  socklen_t len;
  if (!parse_address(s->family, text, port, &ss, &len)) {
    napi_throw_type_error(env, "EINVAL", "not an address of this socket's family");
    return NULL;
  }
  if (bind(s->fd, (struct sockaddr *)&ss, len) < 0) return throw_errno(env, "bind", errno);
  uv_loop_t *loop = NULL;
  CHECK(napi_get_uv_event_loop(env, &loop));
  if (uv_poll_init(loop, &s->poll, s->fd) != 0) {
    napi_throw_error(env, NULL, "uv_poll_init failed");
    return NULL;
  }
  s->poll.data = s;
  s->state = SOCKET_POLLING;
  // Held alive while it can deliver datagrams, as a bound dgram socket is.
  napi_reference_ref(env, s->self, NULL);
  if (uv_poll_start(&s->poll, UV_READABLE, on_readable) != 0) {
    start_close(s);  // the handle is closed (and the reference dropped) the usual way
    napi_throw_error(env, NULL, "uv_poll_start failed");
    return NULL;
  }
  napi_add_async_cleanup_hook(env, on_env_cleanup, s, &s->cleanup);
  struct sockaddr_storage bound;
  socklen_t blen = sizeof bound;
  getsockname(s->fd, (struct sockaddr *)&bound, &blen);
  napi_value result;
  CHECK(napi_create_int32(env, ntohs(bound.ss_family == AF_INET ? ((struct sockaddr_in *)&bound)->sin_port : ((struct sockaddr_in6 *)&bound)->sin6_port), &result));
  return result;
}

/**
 * send(data: Buffer, address: string, port: number, tos: number): number — bytes sent, or
 * −errno (EAGAIN when the send buffer is full: a UDP sender drops, as the kernel would).
 * tos < 0 sends with the socket's default (unmarked).
 */
static napi_value socket_send(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  dscp_socket *s = unwrap(env, info, &argc, argv);
  if (!s) return NULL;
  void *data = NULL;
  size_t length = 0;
  bool is_buffer = false;
  char text[INET6_ADDRSTRLEN + 1];
  int32_t port = 0, tos = -1;
  if (argc < 4 || napi_is_buffer(env, argv[0], &is_buffer) != napi_ok || !is_buffer || !get_string(env, argv[1], text, sizeof text) ||
      !get_int(env, argv[2], &port) || port <= 0 || port > 65535 || !get_int(env, argv[3], &tos) || tos > 255) {
    napi_throw_type_error(env, NULL, "send(data: Buffer, address: string, port: number, tos: number)");
    return NULL;
  }
  CHECK(napi_get_buffer_info(env, argv[0], &data, &length));
  napi_value result;
  if (s->fd < 0 || s->state == SOCKET_CLOSING || s->state == SOCKET_CLOSED) {
    CHECK(napi_create_int32(env, -EBADF, &result));
    return result;
  }
  struct sockaddr_storage to;
  socklen_t tolen;
  if (!parse_address(s->family, text, port, &to, &tolen)) {
    CHECK(napi_create_int32(env, -EINVAL, &result));
    return result;
  }
  // IPv4 destinations (and IPv4-mapped ones on a dual-stack socket) take IP_TOS; IPv6 ones IPV6_TCLASS.
  int v4 = s->family == AF_INET || is_v4_mapped(&to);
  struct iovec iov = { data, length };
  union {
    char bytes[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  struct msghdr m;
  memset(&m, 0, sizeof m);
  memset(&control, 0, sizeof control);
  m.msg_name = &to;
  m.msg_namelen = tolen;
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  int use_cmsg = tos >= 0 && !(v4 && s->tos_by_sockopt);
  if (use_cmsg) {
    m.msg_control = control.bytes;
    m.msg_controllen = sizeof control.bytes;
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = v4 ? IPPROTO_IP : IPPROTO_IPV6;
    c->cmsg_type = v4 ? IP_TOS : IPV6_TCLASS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &tos, sizeof tos);
  } else if (v4) {
    // Unmarked, or a kernel without the IPv4 control message: the socket's own TOS decides.
    int want = tos < 0 ? 0 : tos;
    if (want != s->sockopt_tos && (s->sockopt_tos >= 0 || want != 0)) {
      if (setsockopt(s->fd, IPPROTO_IP, IP_TOS, &want, sizeof want) == 0) s->sockopt_tos = want;
    }
  }
  ssize_t r = sendmsg(s->fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
  if (r < 0 && errno == EINVAL && use_cmsg && v4 && !s->tos_by_sockopt) {
    s->tos_by_sockopt = 1;
    if (setsockopt(s->fd, IPPROTO_IP, IP_TOS, &tos, sizeof tos) == 0) s->sockopt_tos = tos;
    m.msg_control = NULL;
    m.msg_controllen = 0;
    r = sendmsg(s->fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
  }
  CHECK(napi_create_int32(env, r < 0 ? -errno : (int32_t)r, &result));
  return result;
}

/** close(): stops delivery at once; the descriptor is closed when libuv has let go of it. */
static napi_value socket_close(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  dscp_socket *s = unwrap(env, info, &argc, NULL);
  if (!s) return NULL;
  start_close(s);
  return NULL;
}

/** address(): {address, port, family} the socket is bound to. */
static napi_value socket_address(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  dscp_socket *s = unwrap(env, info, &argc, NULL);
  if (!s) return NULL;
  if (s->fd < 0) return throw_errno(env, "address", EBADF);
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(s->fd, (struct sockaddr *)&ss, &len) < 0) return throw_errno(env, "getsockname", errno);
  return address_object(env, &ss);
}

/** initialTtl(): {ttl, hopLimit} the kernel puts on packets this socket sends (hop counts from TTLs). */
static napi_value socket_initial_ttl(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  dscp_socket *s = unwrap(env, info, &argc, NULL);
  if (!s) return NULL;
  int ttl = -1, hops = -1;
  socklen_t len = sizeof ttl;
  if (s->fd >= 0) {
    if (getsockopt(s->fd, IPPROTO_IP, IP_TTL, &ttl, &len) < 0) ttl = -1;
    len = sizeof hops;
    if (s->family == AF_INET6 && getsockopt(s->fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, &len) < 0) hops = -1;
  }
  napi_value obj, v;
  CHECK(napi_create_object(env, &obj));
  CHECK(napi_create_int32(env, ttl, &v));
  CHECK(napi_set_named_property(env, obj, "ttl", v));
  CHECK(napi_create_int32(env, hops, &v));
  CHECK(napi_set_named_property(env, obj, "hopLimit", v));
  return obj;
}

static napi_value socket_set_ref(napi_env env, napi_callback_info info, int ref) {
  size_t argc = 0;
  dscp_socket *s = unwrap(env, info, &argc, NULL);
  if (!s) return NULL;
  if (s->state == SOCKET_POLLING) {
    if (ref) uv_ref((uv_handle_t *)&s->poll);
    else uv_unref((uv_handle_t *)&s->poll);
  }
  return NULL;
}

static napi_value socket_ref(napi_env env, napi_callback_info info) { return socket_set_ref(env, info, 1); }
static napi_value socket_unref(napi_env env, napi_callback_info info) { return socket_set_ref(env, info, 0); }

// ---- TCP: marks for an established connection -----------------------------------------------

static int socket_family(int fd) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) return -1;
  return ss.ss_family;
}

/**
 * setTos(fd: number, tos: number): number — 0, or −errno. Marks what the socket sends from now on:
 * on a TCP connection that is everything after the handshake (its SYN went out unmarked).
 */
static napi_value set_tos(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], result;
  int32_t fd = -1, tos = -1;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || !get_int(env, argv[0], &fd) || fd < 0 || !get_int(env, argv[1], &tos) || tos < 0 || tos > 255) {
    napi_throw_type_error(env, NULL, "setTos(fd: number, tos: 0..255)");
    return NULL;
  }
  int family = socket_family(fd);
  int rc = 0;
  if (family == AF_INET) {
    rc = setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof tos);
  } else if (family == AF_INET6) {
    rc = setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof tos);
    // A dual-stack socket talking to an IPv4 peer sends IPv4 packets: they take IP_TOS.
    if (rc == 0) (void)setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof tos);
  } else {
    rc = -1;
    errno = family < 0 ? errno : EAFNOSUPPORT;
  }
  CHECK(napi_create_int32(env, rc < 0 ? -errno : 0, &result));
  return result;
}

/** getTos(fd: number): number — the TOS / traffic class the socket marks with, or −errno. */
static napi_value get_tos(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  int32_t fd = -1;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || !get_int(env, argv[0], &fd) || fd < 0) {
    napi_throw_type_error(env, NULL, "getTos(fd: number)");
    return NULL;
  }
  int family = socket_family(fd);
  int tos = 0;
  socklen_t len = sizeof tos;
  int rc = family == AF_INET ? getsockopt(fd, IPPROTO_IP, IP_TOS, &tos, &len)
         : family == AF_INET6 ? getsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, &len)
         : (errno = EAFNOSUPPORT, -1);
  CHECK(napi_create_int32(env, rc < 0 ? -errno : tos, &result));
  return result;
}

// ---- module ----------------------------------------------------------------------------------

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {
    { "bind", NULL, socket_bind, NULL, NULL, NULL, napi_default, NULL },
    { "send", NULL, socket_send, NULL, NULL, NULL, napi_default, NULL },
    { "close", NULL, socket_close, NULL, NULL, NULL, napi_default, NULL },
    { "address", NULL, socket_address, NULL, NULL, NULL, napi_default, NULL },
    { "initialTtl", NULL, socket_initial_ttl, NULL, NULL, NULL, napi_default, NULL },
    { "ref", NULL, socket_ref, NULL, NULL, NULL, napi_default, NULL },
    { "unref", NULL, socket_unref, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_value cls;
  if (napi_define_class(env, "UdpSocket", NAPI_AUTO_LENGTH, socket_new, NULL, sizeof methods / sizeof methods[0], methods, &cls) != napi_ok) return NULL;
  napi_property_descriptor functions[] = {
    { "UdpSocket", NULL, NULL, NULL, NULL, cls, napi_enumerable, NULL },
    { "setTos", NULL, set_tos, NULL, NULL, NULL, napi_enumerable, NULL },
    { "getTos", NULL, get_tos, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  if (napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions) != napi_ok) return NULL;
  return exports;
}
