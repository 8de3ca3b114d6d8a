/* OpenSSL's libcrypto for Swift: the digests behind S3 ETags (MD5) and payload hashes (SHA-256). */
#ifndef MILVUS_COPENSSL_SHIM_H
#define MILVUS_COPENSSL_SHIM_H
#include <openssl/evp.h>
#endif
