/* The mbedTLS 3.6 configuration libos builds with (MBEDTLS_CONFIG_FILE),
 * for the guest and for the host builds alike: TLS 1.3 and 1.2 servers
 * and clients with ECDHE (X25519, P-256, P-384), ECDSA and RSA
 * certificates, AES-GCM and ChaCha20-Poly1305, SHA-2, X.509 and PEM,
 * SNI, ALPN and session tickets; AES-NI when the CPU has it (checked at
 * run time). Every random byte comes from getrandom(2) through PSA's
 * external RNG (lib/tls/random.c): in the image that is the kernel's pool
 * (RDSEED, RDRAND, virtio-rng), so mbedTLS keeps no entropy pool or DRBG
 * of its own. Nothing here reads files or the clock but through libc. */
#ifndef TLS_MBEDTLS_CONFIG_H
#define TLS_MBEDTLS_CONFIG_H

/* ---- System support. */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE /* certificate validity (gmtime_r) */
#define MBEDTLS_AESNI_C	       /* used when CPUID says AES-NI */
#define MBEDTLS_DEPRECATED_REMOVED

/* ---- Randomness: getrandom(2), nothing of mbedTLS's own. */
#define MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG
#define MBEDTLS_NO_PLATFORM_ENTROPY

/* ---- Ciphers and hashes TLS 1.3 and 1.2 negotiate. */
#define MBEDTLS_AES_C
#define MBEDTLS_GCM_C
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C
#define MBEDTLS_CIPHER_C
#define MBEDTLS_MD_C
#define MBEDTLS_SHA224_C /* SHA-256's module needs it (3.6) */
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA384_C
#define MBEDTLS_SHA512_C
#define MBEDTLS_HKDF_C

/* ---- Public keys: ECDHE on X25519, P-256 and P-384; ECDSA and RSA
 * signatures (RSA for real-world certificates: PKCS#1 v1.5 for TLS 1.2
 * and X.509, PSS for TLS 1.3). */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECDSA_DETERMINISTIC
#define MBEDTLS_HMAC_DRBG_C /* deterministic ECDSA needs it */
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21
#define MBEDTLS_X509_RSASSA_PSS_SUPPORT

/* ---- Keys and certificates: X.509 in PEM or DER, keys in PKCS#8 or
 * SEC1/PKCS#1 PEM. */
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_OID_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_PK_WRITE_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C

/* ---- PSA crypto, which TLS 1.3 is built on in 3.6. */
#define MBEDTLS_PSA_CRYPTO_C
#define MBEDTLS_USE_PSA_CRYPTO
/* Every connection holds PSA keys (its record keys, its ECDHE key during
 * the handshake), and so does each server's ticket context: a key store
 * that grows with them, not PSA's fixed 32 slots (about 15 connections). */
#define MBEDTLS_PSA_KEY_STORE_DYNAMIC

/* ---- TLS. */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_SRV_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_PROTO_TLS1_3
#define MBEDTLS_SSL_TLS1_3_COMPATIBILITY_MODE
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_ENCRYPT_THEN_MAC
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_ALPN
#define MBEDTLS_SSL_SESSION_TICKETS
#define MBEDTLS_SSL_TICKET_C
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE
#define MBEDTLS_ERROR_C /* mbedtls_strerror: the reasons the log gives */
/* Every fatal alert sent, so the peer learns why (bad_record_mac,
 * protocol_version, ...); without it mbedTLS closes silently on some. */
#define MBEDTLS_SSL_ALL_ALERT_MESSAGES

/* Records up to TLS's 16 KiB both ways: clients send full records and
 * a smaller outgoing size costs throughput. */
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN 16384
/* One ticket after a TLS 1.3 handshake: one resumption per session. */
#define MBEDTLS_SSL_TLS1_3_DEFAULT_NEW_SESSION_TICKETS 1

#endif
