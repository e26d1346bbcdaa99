#ifndef INFERGATE_COPENSSL_SHIM_H
#define INFERGATE_COPENSSL_SHIM_H

// The one-shot SHA-256 context API is deprecated in OpenSSL 3 in favour of EVP, but EVP
// fetches the algorithm from a provider on every init, which costs more than hashing a
// small audit row. The low-level calls stay supported for the life of 3.x.
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#endif
