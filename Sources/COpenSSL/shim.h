#ifndef DBBENCH_COPENSSL_SHIM_H
#define DBBENCH_COPENSSL_SHIM_H
/* OpenSSL for TLS on dbbench's own non-blocking sockets. Some of its API is macros, which Swift
   cannot call: the inline functions below stand in for them. */
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <errno.h>
#include <sys/socket.h>

static inline long dbbench_ssl_ctx_set_mode(SSL_CTX *context, long mode) {
    return SSL_CTX_set_mode(context, mode);
}

static inline long dbbench_ssl_set_sni(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}

static inline long dbbench_ssl_mode_partial_writes(void) {
    return SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER;
}

static inline int dbbench_ssl_ctx_set_min_tls12(SSL_CTX *context) {
    return (int)SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
}

/* The transport under a TLS connection: dbbench's own non-blocking socket, read and written by
   the BIO below, which records when a read found the socket drained (a short read or EAGAIN), so
   that the loop waits for the next edge instead of trying recv again. */
typedef struct {
    int fd;
    /* Set by a read that emptied the socket; cleared by the Swift side once it has noted it. */
    int drained;
} dbbench_transport;

static inline int dbbench_bio_read(BIO *bio, char *buffer, int length) {
    dbbench_transport *transport = (dbbench_transport *)BIO_get_data(bio);
    BIO_clear_retry_flags(bio);
    for (;;) {
        ssize_t count = recv(transport->fd, buffer, (size_t)length, 0);
        if (count > 0) {
            if (count < length) transport->drained = 1;
            return (int)count;
        }
        if (count == 0) return 0;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            transport->drained = 1;
            BIO_set_retry_read(bio);
        }
        return -1;
    }
}

static inline int dbbench_bio_write(BIO *bio, const char *buffer, int length) {
    dbbench_transport *transport = (dbbench_transport *)BIO_get_data(bio);
    BIO_clear_retry_flags(bio);
    for (;;) {
        ssize_t count = send(transport->fd, buffer, (size_t)length, MSG_NOSIGNAL);
        if (count >= 0) return (int)count;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) BIO_set_retry_write(bio);
        return -1;
    }
}

static inline long dbbench_bio_ctrl(BIO *bio, int command, long number, void *pointer) {
    (void)bio; (void)number; (void)pointer;
    return command == BIO_CTRL_FLUSH ? 1 : 0;
}

static inline int dbbench_bio_create(BIO *bio) {
    BIO_set_init(bio, 1);
    return 1;
}

/* One method for every connection of the process. */
static inline BIO_METHOD *dbbench_bio_method(void) {
    BIO_METHOD *method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "dbbench socket");
    if (method == NULL) return NULL;
    BIO_meth_set_read(method, dbbench_bio_read);
    BIO_meth_set_write(method, dbbench_bio_write);
    BIO_meth_set_ctrl(method, dbbench_bio_ctrl);
    BIO_meth_set_create(method, dbbench_bio_create);
    return method;
}

/* A BIO over `transport` (which must outlive it), set as the connection's read and write BIO. */
static inline int dbbench_ssl_use_transport(SSL *ssl, BIO_METHOD *method, dbbench_transport *transport) {
    BIO *bio = BIO_new(method);
    if (bio == NULL) return 0;
    BIO_set_data(bio, transport);
    SSL_set_bio(ssl, bio, bio);
    return 1;
}

static inline long dbbench_ssl_ctx_set_read_ahead(SSL_CTX *context) {
    return SSL_CTX_set_read_ahead(context, 1);
}
#endif
