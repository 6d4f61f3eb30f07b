// CCurl: libcurl's easy and multi interfaces. curl_easy_setopt/getinfo and curl_multi_setopt
// are variadic, which Swift cannot call; each typed wrapper below passes exactly one
// argument type, so the C compiler does the variadic call correctly.
#ifndef NEX_CCURL_SHIM_H
#define NEX_CCURL_SHIM_H

#include <curl/curl.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

typedef size_t (*nex_curl_data_callback)(char *data, size_t size, size_t count, void *user);
typedef curl_socket_t (*nex_curl_opensocket_callback)(void *user, curlsocktype purpose,
                                                       struct curl_sockaddr *address);

static const curl_socket_t NEX_CURL_SOCKET_BAD = CURL_SOCKET_BAD;

static inline CURLcode nex_curl_global_init(void) { return curl_global_init(CURL_GLOBAL_ALL); }

// MARK: easy setters, one per argument type
static inline CURLcode nex_curl_set_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode nex_curl_set_offset(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode nex_curl_set_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode nex_curl_set_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode nex_curl_set_list(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode nex_curl_set_data_callback(CURL *h, CURLoption o, nex_curl_data_callback v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode nex_curl_set_opensocket_callback(CURL *h, nex_curl_opensocket_callback v) {
    return curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, v);
}

// MARK: easy getters
static inline CURLcode nex_curl_get_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode nex_curl_get_offset(CURL *h, CURLINFO i, curl_off_t *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode nex_curl_get_string(CURL *h, CURLINFO i, char **v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode nex_curl_get_pointer(CURL *h, CURLINFO i, void **v) { return curl_easy_getinfo(h, i, v); }

// MARK: multi
static inline CURLMcode nex_curl_multi_set_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }
static inline CURL *nex_curl_message_handle(CURLMsg *m) { return m->easy_handle; }
static inline int nex_curl_message_is_done(CURLMsg *m) { return m->msg == CURLMSG_DONE; }
static inline CURLcode nex_curl_message_result(CURLMsg *m) { return m->data.result; }

// MARK: sockets, for the address guard in CURLOPT_OPENSOCKETFUNCTION

/// Copies the IP address curl is about to connect to into `out` (4 bytes for IPv4, 16 for
/// IPv6) and returns its length, or 0 for another address family.
static inline int nex_sockaddr_ip(const struct curl_sockaddr *a, unsigned char out[16]) {
    if (a->family == AF_INET) {
        const struct sockaddr_in *in4 = (const struct sockaddr_in *)&a->addr;
        memcpy(out, &in4->sin_addr, 4);
        return 4;
    }
    if (a->family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&a->addr;
        memcpy(out, &in6->sin6_addr, 16);
        return 16;
    }
    return 0;
}

/// Opens the socket curl asked for (what curl does itself without an opensocket callback).
static inline curl_socket_t nex_open_socket(const struct curl_sockaddr *a) {
    return socket(a->family, a->socktype, a->protocol);
}

#endif
