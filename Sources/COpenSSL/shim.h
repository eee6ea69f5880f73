// Aerie — OpenSSL shim
// SPDX-License-Identifier: MIT
#ifndef AERIE_COPENSSL_SHIM_H
#define AERIE_COPENSSL_SHIM_H
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <openssl/kdf.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#endif
