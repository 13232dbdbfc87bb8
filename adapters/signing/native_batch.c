/*
 * Batch signing and verification for adapters/signing/native.py: many (data, signature) pairs with one key in one
 * call, the loop here, so that Python pays its call overhead once per batch instead of once per item. Loaded with
 * ctypes, which releases the GIL for the call, so threads verify on all cores.
 *
 * No OpenSSL headers are needed: the few OpenSSL 3 functions used are declared below (their ABI is stable across
 * 3.x) and resolved at load time against the libcrypto.so.3 that Python already loaded with RTLD_GLOBAL, the same
 * one adapters/signing/sm2_openssl.py calls, so the EVP_PKEY pointers it holds are valid here. Build:
 *     cc -O2 -shared -fPIC -o native_batch.so native_batch.c
 *
 * Per item: hash the data (SM2: SM3(Z || data), Z computed once per key by the caller), then EVP_PKEY_verify or
 * EVP_PKEY_sign on the digest with one EVP_PKEY_CTX set up once per batch, as `openssl speed` does.
 */
#include <stddef.h>

typedef struct evp_pkey_st EVP_PKEY;
typedef struct evp_pkey_ctx_st EVP_PKEY_CTX;
typedef struct evp_md_st EVP_MD;
typedef struct evp_md_ctx_st EVP_MD_CTX;

EVP_MD *EVP_MD_fetch(void *libctx, const char *algorithm, const char *properties);
void EVP_MD_free(EVP_MD *md);
EVP_MD_CTX *EVP_MD_CTX_new(void);
void EVP_MD_CTX_free(EVP_MD_CTX *ctx);
int EVP_DigestInit_ex2(EVP_MD_CTX *ctx, const EVP_MD *type, const void *params);
int EVP_DigestUpdate(EVP_MD_CTX *ctx, const void *d, size_t cnt);
int EVP_DigestFinal_ex(EVP_MD_CTX *ctx, unsigned char *md, unsigned int *s);
EVP_PKEY_CTX *EVP_PKEY_CTX_new_from_pkey(void *libctx, EVP_PKEY *pkey, const char *propquery);
void EVP_PKEY_CTX_free(EVP_PKEY_CTX *ctx);
int EVP_PKEY_verify_init(EVP_PKEY_CTX *ctx);
int EVP_PKEY_verify(EVP_PKEY_CTX *ctx, const unsigned char *sig, size_t siglen, const unsigned char *tbs,
                    size_t tbslen);
int EVP_PKEY_sign_init(EVP_PKEY_CTX *ctx);
int EVP_PKEY_sign(EVP_PKEY_CTX *ctx, unsigned char *sig, size_t *siglen, const unsigned char *tbs, size_t tbslen);
int EVP_PKEY_CTX_set_rsa_padding(EVP_PKEY_CTX *ctx, int pad_mode);
int EVP_PKEY_CTX_set_rsa_pss_saltlen(EVP_PKEY_CTX *ctx, int saltlen);
int EVP_PKEY_CTX_set_rsa_mgf1_md(EVP_PKEY_CTX *ctx, const EVP_MD *md);
int EVP_PKEY_CTX_set_signature_md(EVP_PKEY_CTX *ctx, const EVP_MD *md);
void ERR_clear_error(void);

#define RSA_PKCS1_PADDING 1
#define RSA_PKCS1_PSS_PADDING 6
#define RSA_PSS_SALTLEN_DIGEST -1
#define RSA_PSS_SALTLEN_AUTO -2

enum { KIND_RSA_PKCS1 = 0, KIND_RSA_PSS = 1, KIND_SM2 = 2 };

int cbec_native_abi(void) { return 2; }

/* What one batch shares: the hash, a hashing context and the key context (any may be NULL after a failed start). */
typedef struct {
    EVP_MD *md;
    EVP_MD_CTX *hash;
    EVP_PKEY_CTX *key;
} batch;

static void finish(batch *b) {
    EVP_PKEY_CTX_free(b->key);
    EVP_MD_CTX_free(b->hash);
    EVP_MD_free(b->md);
    ERR_clear_error();
}

static int start(batch *b, EVP_PKEY *pkey, const char *md_name, int kind, int signing) {
    b->md = EVP_MD_fetch(NULL, md_name, NULL);
    b->hash = EVP_MD_CTX_new();
    b->key = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    if (!b->md || !b->hash || !b->key)
        return 0;
    if ((signing ? EVP_PKEY_sign_init(b->key) : EVP_PKEY_verify_init(b->key)) != 1)
        return 0;
    if (kind == KIND_SM2)
        return 1; /* the digest e = SM3(Z || M) is signed as is */
    if (EVP_PKEY_CTX_set_rsa_padding(b->key, kind == KIND_RSA_PSS ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING) != 1
        || EVP_PKEY_CTX_set_signature_md(b->key, b->md) != 1)
        return 0;
    if (kind == KIND_RSA_PSS
        && (EVP_PKEY_CTX_set_rsa_mgf1_md(b->key, b->md) != 1
            || EVP_PKEY_CTX_set_rsa_pss_saltlen(b->key, signing ? RSA_PSS_SALTLEN_DIGEST : RSA_PSS_SALTLEN_AUTO) != 1))
        return 0;
    return 1;
}

static int digest(batch *b, const unsigned char *prefix, size_t prefix_len, const unsigned char *data, size_t len,
                  unsigned char *out, unsigned int *out_len) {
    return EVP_DigestInit_ex2(b->hash, b->md, NULL) == 1
           && (prefix_len == 0 || EVP_DigestUpdate(b->hash, prefix, prefix_len) == 1)
           && EVP_DigestUpdate(b->hash, data, len) == 1 && EVP_DigestFinal_ex(b->hash, out, out_len) == 1;
}

/*
 * The items and signatures come concatenated (``data``, ``sig``) with their lengths, which Python builds far
 * faster than arrays of pointers. ok[i] = 1 when signature i is valid for item i, else 0. ``prefix`` is hashed
 * before every item (SM2: Z). Returns the number of valid signatures, or -1 when the batch could not be set up.
 */
long cbec_verify_many(EVP_PKEY *pkey, const char *md_name, int kind, const unsigned char *prefix, size_t prefix_len,
                      const unsigned char *data, const size_t *data_len, const unsigned char *sig,
                      const size_t *sig_len, size_t n, signed char *ok) {
    batch b = {0};
    long valid = 0;
    if (!start(&b, pkey, md_name, kind, 0)) {
        finish(&b);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char md[64];
        unsigned int md_len = 0;
        ok[i] = digest(&b, prefix, prefix_len, data, data_len[i], md, &md_len)
                && EVP_PKEY_verify(b.key, sig, sig_len[i], md, md_len) == 1;
        valid += ok[i];
        data += data_len[i];
        sig += sig_len[i];
    }
    finish(&b);
    return valid;
}

/*
 * Sign every item (concatenated in ``data``) with pkey into out + i * stride (at most stride bytes), its length in
 * out_len[i]. Returns 0, or -1 when the batch could not be set up, or -2 - i when item i failed.
 */
long cbec_sign_many(EVP_PKEY *pkey, const char *md_name, int kind, const unsigned char *prefix, size_t prefix_len,
                    const unsigned char *data, const size_t *data_len, size_t n, unsigned char *out, size_t stride,
                    size_t *out_len) {
    batch b = {0};
    if (!start(&b, pkey, md_name, kind, 1)) {
        finish(&b);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char md[64];
        unsigned int md_len = 0;
        out_len[i] = stride;
        if (!digest(&b, prefix, prefix_len, data, data_len[i], md, &md_len)
            || EVP_PKEY_sign(b.key, out + i * stride, &out_len[i], md, md_len) != 1) {
            finish(&b);
            return -2 - (long)i;
        }
        data += data_len[i];
    }
    finish(&b);
    return 0;
}
