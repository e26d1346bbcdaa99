#ifndef INFERGATE_COPENSSL_SHIM_H
#define INFERGATE_COPENSSL_SHIM_H

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>

#endif
